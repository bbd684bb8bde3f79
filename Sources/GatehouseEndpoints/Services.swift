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
    /// The site's name: the issuer an authenticator app shows beside the code.
    package var name: String

    package init(prefix: String = "/account", cookieName: String = "gatehouse_session", cookieDomain: String = "", signinRedirect: String = "/",
                allowedRedirectHosts: [String] = [], allowedOrigins: [String] = [], publicOrigin: String = "", trustedProxies: [String] = [], maxBodyBytes: Int = 16384,
                passwordMinLength: Int = 8, passwordMaxLength: Int = 128, name: String = "Gatehouse") {
        self.name = name
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
    let pagesSource: PagesSource
    /// Runs once the answer is complete (mail delivery), so its time never
    /// shows in the answer.
    package let afterResponse: @Sendable () -> Void

    package init(site: Site, accounts: Accounts, logger: Logger, pages: Pages,
                afterResponse: @escaping @Sendable () -> Void = {}) {
        self.init(site: site, accounts: accounts, logger: logger, pages: PagesSource(pages), afterResponse: afterResponse)
    }

    package init(site: Site, accounts: Accounts, logger: Logger, pages: PagesSource,
                afterResponse: @escaping @Sendable () -> Void = {}) {
        self.site = site
        self.accounts = accounts
        self.logger = logger
        self.pagesSource = pages
        self.afterResponse = afterResponse
    }

    /// The layout and catalogues, read at their first use.
    package var pages: Pages { pagesSource.pages }
}

/// The pages, read and parsed when first needed: a JSON request answered
/// under CGI (a process per request) never reads them. A FastCGI responder
/// asks for them at start, so a broken layout or catalogue still stops it
/// there; under CGI it stops the request that needs them, through
/// `failed`, as a broken file at start would.
package final class PagesSource: @unchecked Sendable {
    private let load: () throws -> Pages
    private let failed: (Error) -> Never
    /// Used by one thread at a time, as every responder process is.
    private var loaded: Pages?

    package init(load: @escaping () throws -> Pages, failed: @escaping (Error) -> Never) {
        self.load = load
        self.failed = failed
    }

    package init(_ pages: Pages) {
        loaded = pages
        load = { pages }
        failed = { fatalError("\($0)") }
    }

    package var pages: Pages {
        if let loaded { return loaded }
        do {
            let pages = try load()
            loaded = pages
            return pages
        } catch {
            failed(error)
        }
    }
}
