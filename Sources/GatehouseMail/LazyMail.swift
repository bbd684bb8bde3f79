import GatehouseCore

/// The mail of a responder that mails only now and then (a notice after
/// a sign-in with a recovery code): the templates are read and the outbox
/// opened at the first mail, not at every start, which each CGI request
/// would pay for.
package final class LazyMail: MailSink, @unchecked Sendable {
    let make: () throws -> MailService
    var service: MailService?

    package init(_ make: @escaping () throws -> MailService) {
        self.make = make
    }

    package func queue(_ mail: OutgoingMail, decoy: Bool) throws {
        if service == nil { service = try make() }
        try service!.queue(mail, decoy: decoy)
    }

    package func deliverQueued() { service?.deliverQueued() }
}
