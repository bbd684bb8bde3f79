/// Where a browser may be sent back to after signing in (`rd`): a path on
/// this site, or an absolute http(s) URL whose host is this one or listed
/// in `allowed_redirect_hosts`. Anything else (another host, `//evil`,
/// `\\evil`, `javascript:`, user-info tricks, control characters) is
/// refused, and the browser goes to `signin_redirect` instead: no open
/// redirect. Pure.
public enum ReturnURL {
    public static func checked(_ rd: String, ownHost: String, allowedHosts: [String]) -> String? {
        let scalars = Array(rd.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 2048,
              !scalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f || $0 == "\\" }) else { return nil }
        if scalars[0] == "/" {
            // "//host" is another site to a browser.
            return scalars.count == 1 || scalars[1] != "/" ? rd : nil
        }
        let lower = rd.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = rd.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = rd.dropFirst(7)
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let host = authority.lowercased()
        let hostOnly = host.hasPrefix("[") ? host : String(host.split(separator: ":").first ?? "")
        let allowed = [ownHost.lowercased()] + allowedHosts.map { $0.lowercased() }
        return allowed.contains(host) || allowed.contains(hostOnly) ? rd : nil
    }
}
