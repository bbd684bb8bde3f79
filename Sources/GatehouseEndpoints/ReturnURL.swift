import GatehouseHTTP
import GatehouseSystem

/// Where a browser may be sent back to after signing in (`rd`): a path on
/// this site, or an absolute http(s) URL on this origin or on a host listed
/// in `allowed_redirect_hosts`. Anything else (another host, `//evil`,
/// `\\evil`, `javascript:`, user-info tricks, control characters) is
/// refused, and the browser goes to `signin_redirect` instead: no open
/// redirect. A listed host means its default port unless it names one, and
/// never a step down from https to http. Pure.
public enum ReturnURL {
    /// `sharedDomain` (cookie_domain): its subdomains share the session,
    /// so they are where forward auth sends people back to as well (on any
    /// port: a cookie is shared across ports anyway).
    public static func checked(_ rd: String, ownOrigin: String, allowedHosts: [String], sharedDomain: String = "") -> String? {
        let scalars = Array(rd.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 2048,
              !scalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f || $0 == "\\" }) else { return nil }
        if scalars[0] == "/" {
            // "//host" is another site to a browser.
            return scalars.count == 1 || scalars[1] != "/" ? rd : nil
        }
        guard let target = Place(url: rd), let own = Place(url: ownOrigin) else { return nil }
        if target == own { return rd }
        // Up to https is fine; down from it never.
        guard target.scheme == own.scheme || target.scheme == "https" else { return nil }
        for allowed in allowedHosts {
            guard let listed = Place(url: target.scheme + "://" + allowed) else { continue }
            if listed == target { return rd }
        }
        if !sharedDomain.isEmpty, target.host == sharedDomain || target.host.hasSuffix("." + sharedDomain) { return rd }
        return nil
    }

    /// Scheme, host and port of an absolute http(s) URL, the port filled in
    /// from the scheme when it has none; nil for anything else, user-info
    /// (`https://example.com@evil.example/`) included.
    struct Place: Equatable {
        let scheme: String
        let host: String
        let port: Int

        init?(url: String) {
            guard let a = URLAuthority(url: url), a.scheme == "https" || a.scheme == "http", a.userInfo == nil else { return nil }
            scheme = a.scheme
            host = a.host
            port = a.port ?? (a.scheme == "https" ? 443 : 80)
        }
    }

    /// scheme://host[:port] of an absolute URL; nil for a path.
    static func origin(of url: String) -> String? {
        guard let a = URLAuthority(url: url), a.scheme == "https" || a.scheme == "http" else { return nil }
        return a.scheme + "://" + a.host + (a.port.map { ":\($0)" } ?? "")
    }

    /// A decoded path (Apache's REDIRECT_URL) as it goes into a URL again.
    static func encodePath(_ path: String) -> String {
        PercentEncoding.encode(path) { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || "/-._~!$&'()*+,;=:@".utf8.contains(b)
        }
    }
}

extension RequestContext {
    /// Where this request asks to be sent back to, if that may be
    /// followed: `rd` from the query or the form, else (Apache's
    /// `ErrorDocument 401` after a refusal by mod_fcgid's access checker)
    /// the URL that was refused.
    package var returnURL: String? {
        let posted = bodyText("rd")
        guard let rd = request.queryValue("rd") ?? (posted.isEmpty ? nil : posted) ?? refusedURL else { return nil }
        return ReturnURL.checked(rd, ownOrigin: ownOrigin, allowedHosts: services.site.allowedRedirectHosts,
                                 sharedDomain: services.site.cookieDomain)
    }

    /// Set by the web server, never by the client (whose headers arrive as HTTP_*).
    var refusedURL: String? {
        guard request.params["REDIRECT_STATUS"] == "401", let path = request.params["REDIRECT_URL"], path.hasPrefix("/") else {
            return nil
        }
        let query = request.params["REDIRECT_QUERY_STRING"] ?? ""
        return ownOrigin + ReturnURL.encodePath(path) + (query.isEmpty ? "" : "?" + query)
    }
}
