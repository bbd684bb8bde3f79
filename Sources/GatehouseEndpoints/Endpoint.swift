import GatehouseCore
import GatehouseHTTP
import GatehousePages

/// One endpoint: its name under the prefix, its methods, and a handler.
/// Each executable serves exactly one.
package protocol Endpoint: Sendable {
    var name: String { get }
    var methods: [String] { get }
    /// The methods of the path a request names, for an endpoint that serves
    /// several (`/mfa` and its actions): what `Allow` lists for it.
    func methods(at path: String, prefix: String) -> [String]
    /// False where non-browser clients post forms and expect JSON (/token).
    var formImpliesHTML: Bool { get }
    /// The shape of its JSON errors.
    var errorDialect: ErrorDialect { get }
    /// The shape of the JSON errors of the path a request names, for an
    /// endpoint whose paths answer like different APIs (passkeys' sign-in
    /// like /token, the rest like the others).
    func errorDialect(at path: String, prefix: String) -> ErrorDialect
    /// True for `verify`, which web servers ask about other applications'
    /// requests: any method, the body never read or judged (it belongs to
    /// the protected application), only the credentials examined.
    var examinesOnlyCredentials: Bool { get }
    /// True where most requests queue mail (send-otp, and change-password's
    /// notice): these read the mail templates at start. The others open
    /// them only when a notice is due.
    var sendsMail: Bool { get }
    func handle(_ ctx: RequestContext) throws -> Response
    /// The HTML answer to a failed browser request, usually the form again
    /// with the problem marked. nil: a generic error page.
    func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response?
}

extension Endpoint {
    package var formImpliesHTML: Bool { true }
    package var errorDialect: ErrorDialect { .fastAPI }
    package func errorDialect(at path: String, prefix: String) -> ErrorDialect { errorDialect }
    package var examinesOnlyCredentials: Bool { false }
    package func methods(at path: String, prefix: String) -> [String] { methods }
    package var sendsMail: Bool { false }
    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? { nil }
}

/// What a handler gets: the parsed request, its body, the negotiated
/// representation and the process's services.
package struct RequestContext: Sendable {
    package let request: Request
    package let body: DecodedBody
    package let html: Bool
    package let services: Services

    package var accounts: Accounts { services.accounts }
    /// The pages in the language the request prefers.
    package var page: Page { services.pages.page(acceptLanguage: request.header("Accept-Language")) }
    package var clientIP: String { request.clientIP(trustedProxies: services.site.trustedProxies) }
    /// The browser family, for the person's list of sessions.
    package var browser: String { BrowserFamily.of(request.header("User-Agent")) }
    /// The client as the core's second-factor decisions see it.
    package var client: ClientInfo { ClientInfo(ip: clientIP, browser: browser, language: page.language) }

    /// Whether the browser speaks HTTPS to us: the server says so, or the
    /// site's public_origin is https (a TLS-terminating proxy in front that
    /// does not pass HTTPS on). Cookies get their __Host- or __Secure-
    /// prefix, and Origin is compared with https://, either way.
    package var isHTTPS: Bool { request.isHTTPS || services.site.publicOrigin.hasPrefix("https://") }

    /// scheme://host[:port] of this site, as the browser sees it.
    package var ownOrigin: String { request.ownOrigin(https: isHTTPS) }

    package func url(_ endpoint: String) -> String { services.site.prefix + "/" + endpoint }

    /// The account home, `<prefix>/`.
    package var home: String { services.site.prefix + "/" }

    /// Good news from the step before (`?notice=…`), in this language; only
    /// the catalogue's own texts, so a link cannot put words on the page.
    package var notice: String? {
        request.queryValue("notice").flatMap { page.text("notice." + $0) }
    }

    /// A string field of the body as sent (for refilling a form), or "".
    package func bodyText(_ name: String) -> String {
        if case .string(let s)? = body.value?[name] { return s }
        return ""
    }
}
