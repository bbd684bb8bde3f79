/// One request as the web server handed it over, and the bytes to answer
/// with. The runtime knows CGI/FastCGI framing, not HTTP semantics or
/// accounts: the layer above parses `params` and `body`.
package struct RawRequest: Sendable {
    /// CGI meta-variables (REQUEST_METHOD, CONTENT_TYPE, HTTP_*, …), copied:
    /// libfcgi's strings die at the next accept.
    package let params: [String: String]
    /// At most `maxBody` bytes of the body.
    package let body: [UInt8]
    /// CONTENT_LENGTH announced more than `maxBody`: the body was not read.
    package let bodyTooLarge: Bool
    /// The body ended before CONTENT_LENGTH bytes (client went away).
    package let bodyIncomplete: Bool

    package init(params: [String: String], body: [UInt8], bodyTooLarge: Bool = false, bodyIncomplete: Bool = false) {
        self.params = params
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.bodyIncomplete = bodyIncomplete
    }
}

/// What a responder does with each request. `respond` returns the complete
/// CGI response (headers and body); `afterResponse` runs once the web server
/// has the whole answer (after FCGX_Finish_r, or stdout closed under CGI),
/// so slow follow-up work never delays or shapes the response.
package protocol Responder {
    mutating func respond(to request: RawRequest) -> [UInt8]
    mutating func afterResponse()
}

extension Responder {
    package mutating func afterResponse() {}
}
