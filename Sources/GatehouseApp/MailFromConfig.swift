import GatehouseConfig
import GatehouseMail
import GatehouseSystem

extension MailSettings {
    /// mail_* and smtp_* of the configuration, checked now: an SMTP relay
    /// whose STARTTLS setting would send codes in clear, or whose password
    /// file cannot be read, stops the process at start.
    package init(config: Config) throws {
        let delivery: Delivery
        switch config.mailTransport {
        case .maildir: delivery = .maildir(path: config.maildir)
        case .sendmail: delivery = .sendmail(command: config.sendmailCommand)
        case .smtp: delivery = .smtp(try SMTPRelay(config: config))
        }
        self.init(dataDir: config.dataDir, from: config.mailFrom, siteName: config.siteName, templatesDir: config.templatesDir,
                  timeout: config.mailTimeout, maxAttempts: config.mailMaxAttempts, delivery: delivery)
    }
}

extension SMTPRelay {
    package init(config: Config) throws {
        let password: String
        if config.smtpPasswordFile.isEmpty {
            password = ""
        } else {
            do {
                password = try TextFile.read(config.smtpPasswordFile).filter { !$0.isNewline }
            } catch {
                throw SetupError(description: "smtp_password_file: \(error)")
            }
        }
        self.init(url: config.smtpUrl, tls: try SMTPRelay.starttls(config), username: config.smtpUsername, password: password)
    }

    /// What `smtp_starttls` means for this relay. `auto` (the default) is
    /// `required` unless the relay is on this machine: a man in the middle
    /// who strips STARTTLS from the relay's answer would otherwise read every
    /// code and the AUTH password. `optional` or `off` to a relay elsewhere
    /// is refused at start-up: a code is a password for ten minutes, and a
    /// relay without TLS belongs on this machine (a local MTA relaying on).
    /// smtps:// is TLS from the first byte, whatever this says.
    package static func starttls(_ config: Config) throws -> TLS {
        let url = config.smtpUrl
        let local = Loopback.contains(URLAuthority.host(of: url))
        let mode: TLS
        switch config.smtpStarttls {
        case .auto: mode = local ? .optional : .required
        case .off: mode = .off
        case .optional: mode = .optional
        case .required: mode = .required
        }
        if !url.hasPrefix("smtps://") && !local && mode != .required {
            throw SetupError(description: "smtp_starttls: \(mode.rawValue) would let codes\(config.smtpUsername.isEmpty ? "" : " and the AUTH password") "
                + "cross the network in the clear to \(url); use required (or smtps://), or relay through a mail server on this machine")
        }
        return mode
    }
}
