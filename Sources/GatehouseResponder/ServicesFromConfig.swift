#if canImport(Glibc)
import Glibc
#endif
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseEndpoints
import GatehouseHTTP
import GatehousePages
import GatehouseEvents
import GatehouseMail
import Logging
import GatehouseSystem

extension Services {
    /// Opens everything the configuration names. Any problem is a start-up
    /// failure with a message naming the key or file; a responder never
    /// starts half-configured and fails at the first request.
    /// `sendsMail: false` for a responder whose endpoint mails seldom or
    /// never (`me`, `verify`, a sign-in's notices): it reads and parses the
    /// mail templates only if a mail is due, not at every CGI exec.
    package static func make(config: Config, logger: Logger, clock: Clock = SystemClock(),
                            random: RandomSource = SystemRandom(), sendsMail: Bool = true,
                            pagesFailed: @escaping (Error) -> Never = { fatalError("\($0)") }) throws -> Services {
        let open = {
            try MailService(settings: MailSettings(config: config), clock: clock, random: random, logger: logger,
                            handoff: { ids in HandOff.deliver("mail", ids: ids, config: config, timeout: config.mailTimeout + 5, logger: logger) })
        }
        // A responder that mails on most requests checks its templates at
        // start; the others only when a notice is due.
        let mail = sendsMail ? try open() : nil
        let lazy = sendsMail ? nil : LazyMail(open)
        let events = EventSpool(config: config, logger: logger, random: random)
        let accounts = try Accounts.open(config: config, logger: logger, mail: mail.map { $0 as MailSink } ?? lazy!,
                                         events: events.isActive ? events : nil, clock: clock, random: random)
        return Services(site: Site(config: config), accounts: accounts, logger: logger,
                        pages: PagesSource(load: { try loadPages(config) }, failed: pagesFailed),
                        afterResponse: {
                            mail?.deliverQueued()
                            lazy?.deliverQueued()
                            events.handOffQueued()
                        })
    }

    /// The site owner's page layout, `<templates_dir>/html/layout.html`, and
    /// the catalogues, `<templates_dir>/locales/*.txt` (en.txt at least).
    static func loadPages(_ config: Config) throws -> Pages {
        let path = config.templatesDir + "/html/layout.html"
        let layout: Template
        do { layout = try Template(try TextFile.read(path)) } catch { throw SetupError(description: "templates_dir: \(path): \(error)") }
        var catalogues = [Catalogue]()
        let dir = config.templatesDir + "/locales"
        for name in Directory.names(dir) where name.hasSuffix(".txt") {
            let file = dir + "/" + name
            do {
                catalogues.append(try Catalogue(language: String(name.dropLast(4)).lowercased(), source: try TextFile.read(file)))
            } catch {
                throw SetupError(description: "templates_dir: \(file): \(error)")
            }
        }
        guard catalogues.contains(where: { $0.language == "en" }) else {
            throw SetupError(description: "templates_dir: \(dir)/en.txt is missing (the texts every other language falls back on)")
        }
        guard catalogues.contains(where: { $0.language == config.defaultLocale }) else {
            throw SetupError(description: "default_locale: no \(dir)/\(config.defaultLocale).txt")
        }
        return Pages(layout: layout, site: config.siteName, catalogues: catalogues, defaultLanguage: config.defaultLocale,
                     home: config.prefix + "/", stylesheet: config.prefix + "/assets/gatehouse.css")
    }
}

extension Site {
    package init(config: Config) {
        self.init(prefix: config.prefix, cookieName: config.cookieName, cookieDomain: config.cookieDomain, signinRedirect: config.signinRedirect,
                  allowedRedirectHosts: config.allowedRedirectHosts, allowedOrigins: config.allowedOrigins, publicOrigin: config.publicOrigin, trustedProxies: config.trustedProxies,
                  maxBodyBytes: config.maxBodyBytes, passwordMinLength: config.passwordMinLength,
                  passwordMaxLength: config.passwordMaxLength, name: config.siteName)
    }
}
