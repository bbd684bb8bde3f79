import GatehouseCore
import GatehouseHTTP
import Logging

/// What the endpoints need to know of the site, as plain values (the
/// wiring reads them from the configuration once, at start-up).
public struct Site: Sendable, Equatable {
    public var prefix: String
    public var cookieName: String
    /// Empty: the session cookie is this host's alone.
    public var cookieDomain: String
    public var signinRedirect: String
    public var allowedRedirectHosts: [String]
    public var allowedOrigins: [String]
    /// Where verify sends browsers to sign in; empty: the request's own origin.
    public var publicOrigin: String
    public var trustedProxies: [String]
    public var maxBodyBytes: Int
    public var passwordMinLength: Int
    public var passwordMaxLength: Int

    public init(prefix: String = "/account", cookieName: String = "gatehouse_session", cookieDomain: String = "", signinRedirect: String = "/",
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
public struct Services: Sendable {
    public let site: Site
    public let accounts: Accounts
    public let logger: Logger
    public let pages: Pages
    /// Runs once the answer is complete (mail delivery), so its time never
    /// shows in the answer.
    public let afterResponse: @Sendable () -> Void

    public init(site: Site, accounts: Accounts, logger: Logger, pages: Pages,
                afterResponse: @escaping @Sendable () -> Void = {}) {
        self.site = site
        self.accounts = accounts
        self.logger = logger
        self.pages = pages
        self.afterResponse = afterResponse
    }
}
