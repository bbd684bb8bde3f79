/// A mail the core wants sent: which template, to whom, with what values.
/// The core never formats or sends mail itself; a `MailSink` (spool-first,
/// see GatehouseMail) does.
package struct OutgoingMail: Equatable, Sendable {
    package let to: EmailAddress
    package let template: String
    package let values: [String: String]
    /// The language of the page that asked for it (`de`); "" for the default.
    package let language: String

    package init(to: EmailAddress, template: String, values: [String: String], language: String = "") {
        self.to = to
        self.template = template
        self.values = values
        self.language = language
    }
}

package protocol MailSink: Sendable {
    /// Durably spools the mail. With `decoy`, does the same work but sends
    /// nothing (an unknown address must cost what a known one costs).
    func queue(_ mail: OutgoingMail, decoy: Bool) throws
}

/// Accepts every mail and sends none: for tools that never mail.
package struct NoMail: MailSink {
    package init() {}
    package func queue(_ mail: OutgoingMail, decoy: Bool) throws {}
}
