import GatehouseJSON

/// How the request body was sent; decides content negotiation too.
public enum BodyEncoding: Equatable, Sendable {
    case none, json, form
}

public struct DecodedBody: Sendable {
    public let encoding: BodyEncoding
    /// The body as a JSON value; a form becomes an object of strings. nil
    /// when there was no body.
    public let value: JSONValue?

    public init(encoding: BodyEncoding, value: JSONValue?) {
        self.encoding = encoding
        self.value = value
    }
}

public enum BodyDecoder {
    /// JSON (`application/json` or any `+json`, as the original accepted) or
    /// a urlencoded form; anything else with a body is 415. Malformed JSON is
    /// pydantic's `json_invalid` 422, position and message as Python's.
    public static func decode(_ request: Request, limit: Int) throws(HTTPError) -> DecodedBody {
        if request.bodyTooLarge || request.body.count > limit { throw .tooLarge(limit) }
        let media = request.mediaType
        let isJSON = media == "application/json" || (media?.hasPrefix("application/") == true && media?.hasSuffix("+json") == true)
        let isForm = media == "application/x-www-form-urlencoded"
        if request.body.isEmpty {
            return DecodedBody(encoding: isForm ? .form : (isJSON ? .json : .none), value: nil)
        }
        if isJSON {
            do {
                return DecodedBody(encoding: .json, value: try JSONParser.parse(request.body))
            } catch {
                throw .validation([ValidationIssue(type: "json_invalid", loc: [.string("body"), .int(error.position)],
                                                   msg: "JSON decode error", input: .object([]),
                                                   ctx: [("error", .string(error.message))])])
            }
        }
        if isForm {
            guard let pairs = FormDecoding.decode(request.body) else {
                throw .validation([ValidationIssue(type: "value_error", loc: [.string("body")],
                                                   msg: "Value error, the form body is not valid UTF-8 urlencoded data",
                                                   input: .null)])
            }
            // Last occurrence wins, as for duplicate JSON keys.
            var members: [(String, JSONValue)] = []
            for (k, v) in pairs {
                members.removeAll { $0.0 == k }
                members.append((k, .string(v)))
            }
            return DecodedBody(encoding: .form, value: .object(members))
        }
        throw .unsupportedMediaType
    }
}

/// Content negotiation (docs/api.md): a form post, or `Accept: text/html`, gets
/// HTML; everything else JSON. `formImpliesHTML` is false for the token
/// endpoint, where OAuth2 clients post forms and expect JSON.
public func wantsHTML(_ request: Request, encoding: BodyEncoding, formImpliesHTML: Bool = true) -> Bool {
    if formImpliesHTML && encoding == .form { return true }
    let accept = (request.header("Accept") ?? "").lowercased()
    guard let html = accept.firstRange(of: "text/html") else { return false }
    // Prefer JSON when the client lists it before HTML.
    if let json = accept.firstRange(of: "application/json"), json.lowerBound < html.lowerBound { return false }
    return true
}
