/// The authority of a URL (`scheme://user@host:port/…`) taken apart, on
/// characters and without resolving anything. Pure.
package enum URLAuthority {
    /// The host a client of `url` connects to: after any user-info
    /// (`user:pass@`, whose `localhost:x@relay.example` must not pass for
    /// `localhost`), without port or brackets.
    package static func host(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        return String(rest.prefix { $0 != ":" })
    }
}
