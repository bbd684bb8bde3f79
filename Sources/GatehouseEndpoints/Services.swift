import GatehouseCore
import GatehouseHTTP
import GatehousePages
import Logging

/// What the endpoints need to know of the site, as plain values (the
/// wiring reads them from the configuration once, at start-up).
package struct Site: Sendable, Equatable {
    package var prefix: String
    package var cookieName: String
    /// Empty: the session cookie is this host's alone.
    package var cookieDomain: String
    package var signinRedirect: String
    package var allowedRedirectHosts: [String]
    package var allowedOrigins: [String]
    /// Where verify sends browsers to sign in; empty: the request's own origin.
    package var publicOrigin: String
    package var trustedProxies: [String]
    package var maxBodyBytes: Int
    package var passwordMinLength: Int
    package var passwordMaxLength: Int

    package init(prefix: String = "/account", cookieName: String = "gatehouse_session", cookieDomain: String = "", signinRedirect: String = "/",
                allowedRedirectHosts: [String] = [], allowedOrigins: [String] = [], publicOrigin: String = "", trustedProxies: [String] = [], maxBodyBytes: Int = 16384,
                passwordMinLength: Int = 8, passwordMaxLength: Int = 128) {
        self.prefix = prefix
        self.cookieName = cookieName
        self.cookieDomain = cookieDomain
        self.signinRedirect = signinRedirect
        self.allowedRedirectHosts = allowedRedirectHosts
        self.allowedOrigins = allowedOrigins
        self.publicOrigin = publicOrigin
        self.trustedProxies = trustedProxies
        self.maxBodyBytes = maxBodyBytes
        self.passwordMinLength = passwordMinLength
        self.passwordMaxLength = passwordMaxLength
    }
}

/// Everything a responder process builds once at start-up and reuses for
/// every request.
package struct Services: Sendable {
    package let site: Site
    package let accounts: Accounts
    package let logger: Logger
    package let pages: Pages
    /// Runs once the answer is complete (mail delivery), so its time never
    /// shows in the answer.
    package let afterResponse: @Sendable () -> Void

    package init(site: Site, accounts: Accounts, logger: Logger, pages: Pages,
                afterResponse: @escaping @Sendable () -> Void = {}) {
        self.site = site
        self.accounts = accounts
        self.logger = logger
        self.pages = pages
        self.afterResponse = afterResponse
    }
}
