import GatehouseSystem
import GatehouseFiles

/// The mail spool (docs/operations.md, Mail): a message is written here
/// durably before the HTTP answer goes out, and delivered afterwards.
///
///     <data_dir>/outbox/<id>.eml     the RFC 5322 message, as it will be sent
///     <data_dir>/outbox/<id>.state   attempts, next attempt, last error (loss-tolerant)
///     <data_dir>/outbox/dead/<id>.eml
package typealias Outbox = Spool

extension Spool {
    package init(dataDir: String) {
        self.init(dir: dataDir + "/outbox", suffix: ".eml", stateKind: "mail-state")
    }

    package func enqueue(id: String, message: [UInt8]) throws {
        try enqueue(id: id, item: message)
    }
}
