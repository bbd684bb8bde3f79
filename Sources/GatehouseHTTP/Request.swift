/// An HTTP request as the endpoints see it, built from CGI meta-variables.
/// Pure: no I/O, so every rule here is unit-testable.
public struct Request: Sendable {
    package let method: String
    /// The path without the query string, as the client sent it.
    package let path: String
    public let query: [(String, String)]
    package let queryMalformed: Bool
    package let params: [String: String]
    package let body: [UInt8]
    package let bodyTooLarge: Bool
    /// The client sent less than its Content-Length (it went away mid-body).
    package let bodyIncomplete: Bool

    public init(params: [String: String], body: [UInt8] = [], bodyTooLarge: Bool = false, bodyIncomplete: Bool = false) {
        self.params = params
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.bodyIncomplete = bodyIncomplete
        method = (params["REQUEST_METHOD"] ?? "GET").uppercased()
        let uri = params["REQUEST_URI"] ?? ((params["SCRIPT_NAME"] ?? "") + (params["PATH_INFO"] ?? ""))
        path = String(uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        if let decoded = FormDecoding.decode(params["QUERY_STRING"] ?? "") {
            query = decoded
            queryMalformed = false
        } else {
            query = []
            queryMalformed = true
        }
    }

    /// A request header by its HTTP name (case-insensitive).
    package func header(_ name: String) -> String? {
        // The CGI name in one pass over the bytes (this runs several times
        // per request): Accept-Language → HTTP_ACCEPT_LANGUAGE.
        var bytes: [UInt8] = [72, 84, 84, 80, 95]
        bytes.reserveCapacity(5 + name.utf8.count)
        for b in name.utf8 { bytes.append(b == 45 ? 95 : (b >= 97 && b <= 122 ? b - 32 : b)) }
        if let v = params[String(decoding: bytes, as: UTF8.self)] { return v }
        switch name.lowercased() {
        case "content-type": return params["CONTENT_TYPE"]
        case "content-length": return params["CONTENT_LENGTH"]
        default: return nil
        }
    }

    /// The media type of the body, lower-cased, without parameters.
    package var mediaType: String? {
        guard let ct = params["CONTENT_TYPE"], !ct.isEmpty else { return nil }
        let base = ct.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ct
        let trimmed = base.filter { $0 != " " && $0 != "\t" }.lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }

    package func queryValue(_ name: String) -> String? {
        query.last(where: { $0.0 == name })?.1
    }

    /// Cookies by name; the first occurrence wins (browsers send the most
    /// specific path first). Split on bytes: a ";" or "=" followed by a
    /// combining mark is one Character but still a delimiter.
    public var cookies: [String: String] {
        var out: [String: String] = [:]
        for part in Array((header("Cookie") ?? "").utf8).split(separator: UInt8(ascii: ";")) {
            guard let eq = part.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: part[..<eq], as: UTF8.self).trimmingCharacters(in: " ")
            if out[name] == nil {
                out[name] = String(decoding: part[(eq + 1)...], as: UTF8.self).trimmingCharacters(in: " ")
            }
        }
        return out
    }

    public enum Authorization: Equatable, Sendable {
        case absent
        case bearer(String)
        /// Another scheme (Basic) or a Bearer header with no token.
        case unusable
    }

    /// RFC 6750 §2.1: `Authorization: Bearer <token>`, scheme case-insensitive.
    /// An empty header counts as none: Apache's rewrite rule for passing
    /// Authorization to CGI programs sets it empty when the client sent none.
    public var authorization: Authorization {
        guard let header = header("Authorization"), !header.isEmpty else { return .absent }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .unusable }
        let token = String(parts[1]).trimmingCharacters(in: " ")
        return token.isEmpty ? .unusable : .bearer(token)
    }

    package var isHTTPS: Bool {
        let v = (params["HTTPS"] ?? "").lowercased()
        return v == "on" || v == "1" || params["REQUEST_SCHEME"] == "https"
    }

    /// scheme://host[:port] of this site, as the server describes the request.
    public var ownOrigin: String { ownOrigin(https: isHTTPS) }

    /// scheme://host[:port] of this site, with the scheme the browser used
    /// (behind a TLS-terminating proxy the server may not know it). Debian's
    /// fastcgi_params sets HTTP_HOST to nginx's $host, which drops the port,
    /// so the port comes from SERVER_PORT when the host does not carry one,
    /// unless that port is the server's own plain one behind such a proxy.
    package func ownOrigin(https: Bool) -> String {
        var host = header("Host") ?? params["SERVER_NAME"] ?? ""
        let hasPort = host.hasPrefix("[") ? host.contains("]:") : host.contains(":")
        if !hasPort, let port = params["SERVER_PORT"], !port.isEmpty, port != (isHTTPS ? "443" : "80"),
           https == isHTTPS {
            host += ":" + port
        }
        return (https ? "https" : "http") + "://" + host
    }

    package var remoteAddress: String { params["REMOTE_ADDR"] ?? "" }

    /// The client's address: REMOTE_ADDR, or the last untrusted hop of
    /// X-Forwarded-For when REMOTE_ADDR is a configured trusted proxy.
    public func clientIP(trustedProxies: [String]) -> String {
        var addr = remoteAddress
        guard trustedProxies.contains(addr), let xff = header("X-Forwarded-For") else { return addr }
        for hop in xff.split(separator: ",").reversed() {
            addr = String(hop).trimmingCharacters(in: " ")
            if !trustedProxies.contains(addr) { break }
        }
        return addr
    }
}

extension String {

    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
