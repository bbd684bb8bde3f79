/// A mail the core wants sent: which template, to whom, with what values.
/// The core never formats or sends mail itself; a `MailSink` (spool-first,
/// see GatehouseMail) does.
public struct OutgoingMail: Equatable, Sendable {
    public let to: EmailAddress
    public let template: String
    public let values: [String: String]
    /// The language of the page that asked for it (`de`); "" for the default.
    public let language: String

    public init(to: EmailAddress, template: String, values: [String: String], language: String = "") {
        self.to = to
        self.template = template
        self.values = values
        self.language = language
    }
}

public protocol MailSink: Sendable {
    /// Durably spools the mail. With `decoy`, does the same work but sends
    /// nothing (an unknown address must cost what a known one costs).
    func queue(_ mail: OutgoingMail, decoy: Bool) throws
}

/// Accepts every mail and sends none: for tools that never mail.
public struct NoMail: MailSink {
    public init() {}
    public func queue(_ mail: OutgoingMail, decoy: Bool) throws {}
}
