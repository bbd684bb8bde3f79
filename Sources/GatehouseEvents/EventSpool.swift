import GatehouseCore
import GatehouseFiles
import GatehouseSystem
import GatehouseCrypto
import Logging

/// The site's two optional receivers of account events.
package enum HookSink: String, CaseIterable, Sendable {
    /// `hook_exec`: a program, the event on its standard input.
    case exec
    /// `hook_url`: a signed POST.
    case url
}

extension Spool {
    /// One spool per sink, so that a sink that is down holds back only its
    /// own copy of an event: the other sink's is sent, and neither is sent
    /// twice.
    ///
    ///     <data_dir>/events/<sink>/<id>.json        the payload, as it will be sent
    ///     <data_dir>/events/<sink>/dead/<id>.json   after hook_max_attempts failures
    package static func events(dataDir: String, sink: HookSink) -> Spool {
        Spool(dir: "\(dataDir)/events/\(sink.rawValue)", suffix: ".json", stateKind: "event-state")
    }
}

/// Account events written into the spool of each configured sink before
/// the request that made them answers (the same durable write as mail),
/// then handed to a detached `gatehousectl hooks deliver`: no request
/// waits for, or fails because of, a sink. `@unchecked Sendable`: one per
/// process, used by one request at a time (`queued` is that request's).
package final class EventSpool: EventSink, @unchecked Sendable {
    let spools: [(sink: HookSink, spool: Spool)]
    let dataDir: String
    let reserve: DiskReserve
    let random: RandomSource
    let logger: Logger
    /// Given the ids this process spooled, after the response (or, in
    /// gatehousectl, as it exits): starts their delivery elsewhere.
    let handoff: (([String]) -> Void)?
    var queued: [String] = []

    package init(dataDir: String, sinks: [HookSink], reserve: DiskReserve, random: RandomSource, logger: Logger,
                 handoff: (([String]) -> Void)?) {
        spools = sinks.map { ($0, Spool.events(dataDir: dataDir, sink: $0)) }
        self.dataDir = dataDir
        self.reserve = reserve
        self.random = random
        self.logger = logger
        self.handoff = handoff
    }

    /// Whether any sink is configured: with none, publishing costs nothing.
    package var isActive: Bool { !spools.isEmpty }

    package func publish(_ event: AccountEvent, _ how: EventOutcome) {
        guard !spools.isEmpty, how != .none else { return }
        let id = "\(event.time)-\(Hex.encode(random.bytes(8)))"
        let payload = event.payload(id: id)
        var spooled = false
        for (sink, spool) in spools {
            // Inside the disk reserve the event is not kept: a flood must
            // not fill the disk through it. Its audit line still says what
            // happened.
            do {
                try reserve.ensureRoom(at: dataDir)
                if how == .decoy {
                    try spool.writeDecoy(payload)
                } else {
                    try spool.enqueue(id: id, item: payload)
                    spooled = true
                }
            } catch {
                logger.error("event \(event.type) \(id) not spooled for hook_\(sink.rawValue): \(error)")
            }
        }
        if spooled && how == .publish { queued.append(id) }
    }

    /// After the response: the events this request spooled go to be
    /// delivered. What that cannot deliver stays for `hooks deliver`.
    package func handOffQueued() {
        let ids = queued
        queued.removeAll()
        if !ids.isEmpty { handoff?(ids) }
    }
}
