/// What the mail service needs to know, as plain values: the wiring makes
/// them from the configuration (GatehouseApp, MailFromConfig), so mail knows
/// nothing of configuration files.
public struct MailSettings: Sendable {
    /// How mail leaves the outbox.
    public enum Delivery: Sendable {
        /// Written into a Maildir: the embedded default.
        case maildir(path: String)
        /// Piped to a sendmail command (split on spaces).
        case sendmail(command: String)
        /// Through an SMTP relay, by a process that links libcurl.
        case smtp(SMTPRelay)
    }

    /// The data directory: the outbox is `<dataDir>/outbox`.
    public var dataDir: String
    public var from: String
    public var siteName: String
    public var templatesDir: String
    /// Seconds for one delivery attempt.
    public var timeout: Int
    public var maxAttempts: Int
    public var delivery: Delivery

    public init(dataDir: String, from: String, siteName: String, templatesDir: String, timeout: Int, maxAttempts: Int,
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
public struct SMTPRelay: Sendable, Equatable {
    public enum TLS: String, Sendable { case off, optional, required }
    public var url: String
    public var tls: TLS
    public var username: String
    public var password: String

    public init(url: String, tls: TLS, username: String, password: String) {
        self.url = url
        self.tls = tls
        self.username = username
        self.password = password
    }
}
