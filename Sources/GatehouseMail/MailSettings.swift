/// What the mail service needs to know, as plain values: the wiring makes
/// them from the configuration (GatehouseApp, MailFromConfig), so mail knows
/// nothing of configuration files.
package struct MailSettings: Sendable {
    /// How mail leaves the outbox.
    package enum Delivery: Sendable {
        /// Written into a Maildir: the embedded default.
        case maildir(path: String)
        /// Piped to a sendmail command (split on spaces).
        case sendmail(command: String)
        /// Through an SMTP relay, by a process that links libcurl.
        case smtp(SMTPRelay)
    }

    /// The data directory: the outbox is `<dataDir>/outbox`.
    package var dataDir: String
    package var from: String
    package var siteName: String
    package var templatesDir: String
    /// Seconds for one delivery attempt.
    package var timeout: Int
    package var maxAttempts: Int
    package var delivery: Delivery

    package init(dataDir: String, from: String, siteName: String, templatesDir: String, timeout: Int, maxAttempts: Int,
                delivery: Delivery) {
        self.dataDir = dataDir
        self.from = from
        self.siteName = siteName
        self.templatesDir = templatesDir
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.delivery = delivery
    }
}

/// An SMTP relay, already checked: its STARTTLS requirement decided for
/// where it is, its password read from its file.
package struct SMTPRelay: Sendable, Equatable {
    package enum TLS: String, Sendable { case off, optional, required }
    package var url: String
    package var tls: TLS
    package var username: String
    package var password: String

    package init(url: String, tls: TLS, username: String, password: String) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
    }
}
