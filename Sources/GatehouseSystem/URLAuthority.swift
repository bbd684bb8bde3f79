/// The authority of a URL (`scheme://user@host:port/…`) taken apart, on
/// characters and without resolving anything: the one parser behind
/// return URLs, origins in the configuration and mail relays. Pure.
package struct URLAuthority: Equatable, Sendable {
    /// Lower-cased; "" when the text names none.
    package let scheme: String
    /// What stands before `@`, if anything does.
    package let userInfo: Substring?
    /// Lower-cased; an IPv6 literal keeps its brackets.
    package let host: String
    /// As written; nil when none is.
    package let port: Int?
    /// Whether anything (a path, a query, a fragment) follows the authority.
    package let hasRest: Bool

    /// nil for an authority with no host, an unclosed bracket, or a port
    /// that is not 1 to 65535 in plain digits.
    package init?(url: String) {
        var rest = Substring(url)
        if let mark = rest.firstRange(of: "://") {
            scheme = rest[..<mark.lowerBound].lowercased()
            rest = rest[mark.upperBound...]
        } else {
            scheme = ""
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        hasRest = authority.endIndex != rest.endIndex
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        } else {
            userInfo = nil
        }
        var portText: Substring = ""
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = hostPort[...close].lowercased()
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon].lowercased()
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort.lowercased()
        }
        guard !host.isEmpty else { return nil }
        if portText.isEmpty {
            port = nil
        } else {
            guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(portText),
                  (1...65535).contains(n) else { return nil }
            port = n
        }
    }

    /// The host a client of `url` connects to: after any user-info
    /// (`user:pass@`, whose `localhost:x@relay.example` must not pass for
    /// `localhost`), without port or brackets; "" when there is none.
    package static func host(of url: String) -> String {
        guard let host = URLAuthority(url: url)?.host else { return "" }
        return host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    }
}
