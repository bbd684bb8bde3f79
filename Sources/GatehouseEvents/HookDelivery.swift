#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseFiles
import GatehouseSystem
import GatehouseJSON
import Logging

/// How an event reaches one sink. Returns nil when the sink took it, else
/// a short reason (never the payload).
package protocol HookTransport: Sendable {
    func deliver(_ payload: [UInt8], id: String, type: String) -> String?
}

/// Sends what the event spools hold (`gatehousectl hooks deliver`): each
/// sink's copy on its own, under the spool's lock, so no event reaches a
/// sink twice at once; a failure waits 10 s, 1 min, 5 min, 30 min, then
/// 2 h between tries, and after `maxAttempts` it is a dead letter.
package struct HookDelivery: Sendable {
    let dataDir: String
    let transports: [(sink: HookSink, transport: any HookTransport)]
    let maxAttempts: Int
    let clock: Clock
    let logger: Logger

    package init(dataDir: String, transports: [(sink: HookSink, transport: any HookTransport)], maxAttempts: Int,
                 clock: Clock, logger: Logger) {
        self.dataDir = dataDir
        self.transports = transports
        self.maxAttempts = maxAttempts
        self.clock = clock
        self.logger = logger
    }

    static let backoff: [Int64] = [10, 60, 300, 1800, 7200]

    /// Seconds to wait after the `attempts`-th failure.
    package static func delay(afterAttempts attempts: Int) -> Int64 {
        backoff[min(max(attempts, 1), backoff.count) - 1]
    }

    /// Every event that is due (or every one, with `force`), in every configured sink.
    package func deliverDue(force: Bool = false) -> Spool.Tally {
        let now = clock.now()
        var tally = Spool.Tally()
        for (sink, transport) in transports {
            let spool = Spool.events(dataDir: dataDir, sink: sink)
            for id in spool.due(at: now, force: force) {
                tally.add(attempt(id, spool: spool, sink: sink, transport: transport, dueBy: force ? nil : now))
            }
        }
        return tally
    }

    /// One run at a time per data directory. Responders hand over after
    /// every request that made an event; without this a busy site would
    /// start a run per request, each waiting on a slow sink. A run that
    /// finds another going (`wait: false`, what a hand-off asks) leaves at
    /// once: the one going takes what was spooled before it ends, and looks
    /// once more after letting go. `wait: true` (the timer's, an
    /// operator's) waits for it instead. nil: left to the run going.
    package func exclusively(wait: Bool, _ body: () -> Spool.Tally) throws -> Spool.Tally? {
        let dir = dataDir + "/events"
        try Posix.makeDirectories(dir)
        let path = dir + "/.deliver.lock"
        let fd = try Posix.open(path, O_RDWR | O_CREAT)
        defer { close(fd) }
        if wait {
            try Posix.lock(fd, LOCK_EX, path: path)
        } else if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            return nil
        }
        let tally = body()
        flock(fd, LOCK_UN)
        return tally
    }

    /// Everything due, over and over until a pass finds nothing to try (an
    /// event spooled meanwhile is due at once), under `exclusively`; then,
    /// once the lock is let go, again if something came in between.
    package func drain(wait: Bool) throws -> Spool.Tally {
        var total = Spool.Tally()
        var waiting = wait
        while let tally = try exclusively(wait: waiting, {
            var run = Spool.Tally()
            while true {
                let pass = deliverDue()
                run.add(pass)
                if pass.sent + pass.failed + pass.dead == 0 { return run }
            }
        }) {
            total.add(tally)
            waiting = false
            guard isAnythingDue() else { break }
        }
        return total
    }

    func isAnythingDue() -> Bool {
        let now = clock.now()
        return transports.contains { !Spool.events(dataDir: dataDir, sink: $0.sink).due(at: now, force: false).isEmpty }
    }

    /// These events now, whatever their back-off (`hooks deliver --id`).
    package func deliver(ids: [String]) -> Spool.Tally {
        var tally = Spool.Tally()
        for (sink, transport) in transports {
            let spool = Spool.events(dataDir: dataDir, sink: sink)
            for id in ids { tally.add(attempt(id, spool: spool, sink: sink, transport: transport, dueBy: nil)) }
        }
        return tally
    }

    func attempt(_ id: String, spool: Spool, sink: HookSink, transport: any HookTransport, dueBy: Int64?) -> Spool.Outcome? {
        do {
            return try spool.attempt(id, dueBy: dueBy, now: clock.now, maxAttempts: maxAttempts, backoff: Self.delay) { payload, attempt in
                guard case .string(let type)? = (try? JSONParser.parse(payload))?["type"] else {
                    return Spool.Failure("not an event", permanent: true)
                }
                guard let error = transport.deliver(payload, id: id, type: type) else { return nil }
                logger.warning("event \(id) not delivered to hook_\(sink.rawValue) (attempt \(attempt)): \(error)")
                return Spool.Failure(error)
            }
        } catch {
            logger.error("events (hook_\(sink.rawValue)): \(error)")
            return nil
        }
    }
}
