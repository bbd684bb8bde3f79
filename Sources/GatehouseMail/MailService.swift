#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseCrypto
import GatehouseFiles
import Logging
import GatehouseSystem

/// Spool-first mail (docs/operations.md, Mail): `queue` renders a template and writes the
/// message durably into the outbox; `deliverQueued` (a responder, after its
/// answer is complete) and `deliverDue` (`gatehousectl mail deliver`) send
/// it, with back-off, and move what keeps failing to the dead-letter folder.
/// `@unchecked Sendable`: one per process, used by one request at a time
/// (the `queued` list is that request's).
package final class MailService: MailSink, @unchecked Sendable {
    package let outbox: Outbox
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

    /// Every site's templates_dir must have these.
    package static let templateNames = ["otp", "password-changed"]
    /// The notices about the second factor, newer than many a site's own
    /// templates_dir: where one lacks a notice, a language falls back on
    /// the default language's, and that on a short built-in text
    /// (`BuiltinNotices`), so an upgrade never stops a site from starting.
    package static let noticeNames = ["mfa-enabled", "mfa-disabled", "recovery-codes-regenerated", "recovery-code-used",
                                      "second-step-failed", "mfa-reset", "passkey-added", "passkey-removed",
                                      "email-changed", "email-change-undone", "signup-attempt", "account-deleted",
                                      "account-restored", "invitation", "new-device"]
    /// What a template's text body must show for its mail to make sense.
    static let requiredValues = ["otp": ["code"]]

    /// `smtp`: the SMTP transport, for a process that links it (gatehousectl);
    /// nil in a responder, which then hands SMTP and sendmail mail to
    /// `handoff`. Maildir delivery is a local file write: done in place.
    package init(settings: MailSettings, clock: Clock, random: RandomSource, logger: Logger,
                smtp: MailTransport? = nil, handoff: (([String]) -> Void)? = nil) throws {
        outbox = Outbox(dataDir: settings.dataDir)
        builder = MessageBuilder(from: settings.from)
        siteName = settings.siteName
        timeout = settings.timeout
        maxAttempts = settings.maxAttempts
        self.clock = clock
        self.random = random
        self.logger = logger
        templates = try MailService.loadLanguages(dir: settings.templatesDir)
        switch settings.delivery {
        case .sendmail(let command):
            transport = handoff == nil ? SendmailTransport(command: command) : nil
            self.handoff = handoff
        case .smtp:
            transport = smtp
            self.handoff = transport == nil ? handoff : nil
        case .maildir(let path):
            transport = MaildirTransport(path: path)
            self.handoff = nil
        }
    }

    /// The templates in `mail/` and in each language's subdirectory of it
    /// (one with an otp.txt): a language's mail needs all of its own.
    static func loadLanguages(dir: String) throws -> [String: MailTemplates] {
        var base = try loadTemplates(dir: dir + "/mail")
        for name in noticeNames where base[name] == nil { base[name] = try BuiltinNotices.template(name) }
        var out = ["": base]
        for language in Directory.names(dir + "/mail") where Posix.exists("\(dir)/mail/\(language)/otp.txt") {
            out[language] = try loadTemplates(dir: "\(dir)/mail/\(language)")
        }
        return out
    }

    /// `<name>.txt` (first line `Subject: …`, a blank line, the body) and an
    /// optional `<name>.html`. Missing or malformed: a start-up error; a
    /// notice that is missing is left out (`render` falls back).
    static func loadTemplates(dir: String) throws -> MailTemplates {
        var out: MailTemplates = [:]
        for name in templateNames + noticeNames {
            let path = "\(dir)/\(name).txt"
            if noticeNames.contains(name) && !Posix.exists(path) { continue }
            let source: String
            do { source = try TextFile.read(path) } catch { throw SetupError(description: "templates_dir: \(error)") }
            do {
                let (subject, text) = try parse(source)
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

    /// A template's subject and text body.
    static func parse(_ source: String) throws -> (subject: Template, text: Template) {
        guard source.hasPrefix("Subject: "), let split = source.firstRange(of: "\n\n") else {
            throw SetupError(description: "must start with a `Subject:` line and a blank line")
        }
        return (try Template(String(source[source.index(source.startIndex, offsetBy: 9)..<split.lowerBound])),
                try Template(String(source[split.upperBound...])))
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

    package func queue(_ mail: OutgoingMail, decoy: Bool) throws {
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
    package func deliverQueued() {
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
    package func deliver(ids: [String]) -> Spool.Tally {
        var tally = Spool.Tally()
        for id in ids { tally.add(attempt(id)) }
        return tally
    }

    /// Everything in the outbox that is due (or everything, with `force`).
    package func deliverDue(force: Bool = false) -> Spool.Tally {
        let now = clock.now()
        var tally = Spool.Tally()
        for id in outbox.due(at: now, force: force) { tally.add(attempt(id, dueBy: force ? nil : now)) }
        return tally
    }

    @discardableResult
    func attempt(_ id: String, dueBy: Int64? = nil) -> Outbox.Outcome? {
        guard let transport else {
            logger.error("mail \(id): no transport in this process")
            return nil
        }
        do {
            // One minute, doubling: 1, 2, 4 … minutes.
            return try outbox.attempt(id, dueBy: dueBy, now: clock.now, maxAttempts: maxAttempts,
                                      backoff: { Int64(60 << min($0 - 1, 16)) }) { message, attempt in
                guard let envelope = MessageBuilder.envelope(of: message) else { return Spool.Failure("no From/To header", permanent: true) }
                guard let error = transport.send(message, from: envelope.from, to: envelope.to, timeout: timeout) else { return nil }
                logger.warning("mail \(id) not delivered (attempt \(attempt)): \(error)")
                return Spool.Failure(error)
            }
        } catch {
            logger.error("outbox: \(error)")
            return nil
        }
    }
}
