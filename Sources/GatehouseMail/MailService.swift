#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseStore
import Logging
import GatehouseSystem

/// Spool-first mail (README, Mail): `queue` renders a template and writes the
/// message durably into the outbox; `deliverDue` sends what is due, with
/// back-off, and moves what keeps failing to the dead-letter folder. The
/// responders call `deliverDue` only after the HTTP answer is complete.
public final class MailService: MailSink, @unchecked Sendable {
    public let outbox: Outbox
    let builder: MessageBuilder
    typealias MailTemplates = [String: (subject: Template, text: Template, html: Template?)]
    /// By language: "" is `<templates_dir>/mail/`, every other key a
    /// subdirectory (`mail/de/`) holding that language's own templates.
    let templates: [String: MailTemplates]
    let siteName: String
    let transport: MailTransport?
    /// When set, messages this process queued are handed to it after the
    /// response instead of being delivered here (responders hand SMTP and
    /// sendmail to a detached gatehousectl, which links libcurl).
    let handoff: (([String]) -> Void)?
    let timeout: Int
    let maxAttempts: Int
    let clock: Clock
    let random: RandomSource
    let logger: Logger
    /// Messages this process queued and has not yet tried to deliver.
    var queued: [String] = []

    public static let templateNames = ["otp", "password-changed"]
    /// What a template's text body must show for its mail to make sense.
    static let requiredValues = ["otp": ["code"]]

    /// `smtp`: the SMTP transport, for a process that links it (gatehousectl);
    /// nil in a responder, which then hands SMTP and sendmail mail to
    /// `handoff`. Maildir delivery is a local file write: done in place.
    public init(config: Config, clock: Clock, random: RandomSource, logger: Logger,
                smtp: ((Config) throws -> MailTransport)? = nil, handoff: (([String]) -> Void)? = nil) throws {
        outbox = Outbox(dataDir: config.dataDir)
        builder = MessageBuilder(from: config.mailFrom)
        siteName = config.siteName
        timeout = config.mailTimeout
        maxAttempts = config.mailMaxAttempts
        self.clock = clock
        self.random = random
        self.logger = logger
        templates = try MailService.loadLanguages(dir: config.templatesDir)
        switch config.mailTransport {
        case "sendmail":
            transport = handoff == nil ? SendmailTransport(command: config.sendmailCommand) : nil
            self.handoff = handoff
        case "smtp":
            _ = try MailService.starttls(config)
            let file = config.smtpPasswordFile
            if !file.isEmpty {
                do { _ = try TextFile.read(file) } catch { throw SetupError(description: "smtp_password_file: \(error)") }
            }
            transport = try smtp?(config)
            self.handoff = transport == nil ? handoff : nil
        default:
            transport = MaildirTransport(path: config.maildir)
            self.handoff = nil
        }
    }

    /// What `smtp_starttls` means for this relay. `auto` (the default) is
    /// `required` unless the relay is on this machine: a man in the middle
    /// who strips STARTTLS from the relay's answer would otherwise read every
    /// code and the AUTH password. `optional` or `off` to a relay elsewhere
    /// is refused at start-up: a code is a password for ten minutes, and a
    /// relay without TLS belongs on this machine (a local MTA relaying on).
    /// smtps:// is TLS from the first byte, whatever this says.
    public static func starttls(_ config: Config) throws -> String {
        let url = config.smtpUrl
        let local = Loopback.contains(host(ofURL: url))
        var mode = config.smtpStarttls
        if mode == "auto" { mode = local ? "optional" : "required" }
        if !url.hasPrefix("smtps://") && !local && mode != "required" {
            throw SetupError(description: "smtp_starttls: \(mode) would let codes\(config.smtpUsername.isEmpty ? "" : " and the AUTH password") "
                + "cross the network in the clear to \(url); use required (or smtps://), or relay through a mail server on this machine")
        }
        return mode
    }

    /// The host libcurl will connect to: after any user-info (`user:pass@`,
    /// whose `localhost:x@relay.example` must not pass for this machine).
    static func host(ofURL url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        rest = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        return String(rest.prefix { $0 != ":" && $0 != "/" })
    }

    /// The SMTP password, read from `smtp_password_file` (kept out of the config).
    public static func smtpPassword(_ config: Config) -> String {
        let file = config.smtpPasswordFile
        return file.isEmpty ? "" : ((try? TextFile.read(file)) ?? "").filter { !$0.isNewline }
    }

    /// The templates in `mail/` and in each language's subdirectory of it
    /// (one with an otp.txt): a language's mail needs all of its own.
    static func loadLanguages(dir: String) throws -> [String: MailTemplates] {
        var out = ["": try loadTemplates(dir: dir + "/mail")]
        for language in Directory.names(dir + "/mail") where Posix.exists("\(dir)/mail/\(language)/otp.txt") {
            out[language] = try loadTemplates(dir: "\(dir)/mail/\(language)")
        }
        return out
    }

    /// `<name>.txt` (first line `Subject: …`, a blank line, the body) and an
    /// optional `<name>.html`. Missing or malformed: a start-up error.
    static func loadTemplates(dir: String) throws -> MailTemplates {
        var out: MailTemplates = [:]
        for name in templateNames {
            let path = "\(dir)/\(name).txt"
            let source: String
            do { source = try TextFile.read(path) } catch { throw SetupError(description: "templates_dir: \(error)") }
            guard source.hasPrefix("Subject: "), let split = source.firstRange(of: "\n\n") else {
                throw SetupError(description: "templates_dir: \(path): must start with a `Subject:` line and a blank line")
            }
            do {
                let subject = try Template(String(source[source.index(source.startIndex, offsetBy: 9)..<split.lowerBound]))
                let text = try Template(String(source[split.upperBound...]))
                let htmlPath = "\(dir)/\(name).html"
                let html = Posix.exists(htmlPath) ? try Template(try TextFile.read(htmlPath)) : nil
                // A site owner's otp.txt that misspells {{code}} would mail
                // codes without the code: refuse it at start-up.
                for required in requiredValues[name] ?? [] where !text.variables.contains(required) {
                    throw SetupError(description: "templates_dir: \(path): the body must use {{\(required)}}")
                }
                out[name] = (subject, text, html)
            } catch {
                throw SetupError(description: "templates_dir: \(path): \(error)")
            }
        }
        return out
    }

    func render(_ mail: OutgoingMail) throws -> (id: String, bytes: [UInt8]) {
        guard let t = templates[mail.language]?[mail.template] ?? templates[""]?[mail.template] else {
            throw SetupError(description: "no template \(mail.template)")
        }
        var values = mail.values
        values["site"] = siteName
        values["email"] = mail.to.description
        let now = clock.now()
        let id = "\(now)-\(Hex.encode(random.bytes(8)))"
        let bytes = builder.build(to: mail.to.description, subject: t.subject.render(values), text: t.text.render(values),
                                  html: t.html?.render(values, escape: htmlEscape), date: now, messageID: id)
        return (id, bytes)
    }

    public func queue(_ mail: OutgoingMail, decoy: Bool) throws {
        let (id, bytes) = try render(mail)
        if decoy {
            try outbox.writeDecoy(bytes)
        } else {
            try outbox.enqueue(id: id, message: bytes)
            queued.append(id)
        }
    }

    /// After the response: try the messages this process just queued. A
    /// failure leaves them for `gatehousectl mail deliver`.
    public func deliverQueued() {
        let ids = queued
        queued.removeAll()
        guard !ids.isEmpty else { return }
        if let handoff {
            handoff(ids)
        } else {
            for id in ids { _ = attempt(id) }
        }
    }

    /// Specific messages now, whatever their back-off (`mail deliver --id`).
    public func deliver(ids: [String]) -> (sent: Int, failed: Int, dead: Int) {
        tally(ids.map { attempt($0) })
    }

    func tally(_ outcomes: [Outbox.Outcome?]) -> (sent: Int, failed: Int, dead: Int) {
        var result = (sent: 0, failed: 0, dead: 0)
        for o in outcomes {
            switch o {
            case .sent?: result.sent += 1
            case .retry?: result.failed += 1
            case .dead?: result.dead += 1
            case nil: break
            }
        }
        return result
    }

    /// Everything in the outbox that is due (or everything, with `force`).
    public func deliverDue(force: Bool = false) -> (sent: Int, failed: Int, dead: Int) {
        let now = clock.now()
        return tally(outbox.pending().filter { force || $0.state.nextAttempt <= now }.map { attempt($0.id, dueBy: force ? nil : now) })
    }

    @discardableResult
    func attempt(_ id: String, dueBy: Int64? = nil) -> Outbox.Outcome? {
        var outcome: Outbox.Outcome?
        do {
            guard let transport else {
                logger.error("mail \(id): no transport in this process")
                return nil
            }
            _ = try outbox.claim(id, dueBy: dueBy) { message, state in
                let result: Outbox.Outcome
                if let envelope = MessageBuilder.envelope(of: message) {
                    if let error = transport.send(message, from: envelope.from, to: envelope.to, timeout: timeout) {
                        let attempts = state.attempts + 1
                        if attempts >= maxAttempts {
                            result = .dead(error: error)
                        } else {
                            // One minute, doubling: 1, 2, 4 … minutes.
                            result = .retry(at: clock.now() + Int64(60 << min(attempts - 1, 16)), error: error)
                        }
                        logger.warning("mail \(id) not delivered (attempt \(attempts)): \(error)")
                    } else {
                        result = .sent
                    }
                } else {
                    result = .dead(error: "no From/To header")
                }
                outcome = result
                return result
            }
        } catch {
            logger.error("outbox: \(error)")
        }
        return outcome
    }
}
