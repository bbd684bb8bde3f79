#if canImport(Glibc)
import Glibc
#endif
import GatehouseJSON
import Logging
import GatehouseSystem

/// Security events (docs/security.md): one JSON line each. Never a password,
/// code or token; the e-mail address and client address are recorded
/// because an administrator needs them to act on an event.
package struct AuditTrail: Sendable {
    let sink: (@Sendable (String) throws -> Void)?
    let logger: Logger
    /// This process's hourly counts of events recorded only at milestones.
    let tally = HourlyTally()

    /// Reads back every line written so far, oldest first (nil: none can be).
    let history: (@Sendable ((ArraySlice<UInt8>) -> Void) throws -> Void)?
    /// Where the lines that are account events (`AccountEvent.types`) also go.
    let events: (any EventSink)?

    /// `append` writes one line durably enough for an audit trail (the
    /// wiring passes an append-only file); nil records nothing. `history`
    /// reads the lines back, for a person's export. `events` hears of the
    /// lines that are account events, after they are written.
    package init(append: (@Sendable (String) throws -> Void)?, history: (@Sendable ((ArraySlice<UInt8>) -> Void) throws -> Void)? = nil,
                 events: (any EventSink)? = nil, logger: Logger) {
        sink = append
        self.history = history
        self.events = events
        self.logger = logger
    }

    /// An address and the time it was the account's: lines about it
    /// outside that time are someone else's (an earlier account of the
    /// address, or whoever took it once this account let it go).
    package struct AddressSpan: Sendable {
        package let address: EmailAddress
        package let from: Int64
        package let until: Int64

        package init(_ address: EmailAddress, from: Int64, until: Int64 = .max) {
            self.address = address
            self.from = from
            self.until = until
        }
    }

    /// The newest `limit` lines whose `user` is one of the spans' address,
    /// written within its span, parsed. A line is matched on its exact
    /// `"user":"…"` member as this trail writes it, so an address inside
    /// another field never matches. Each kept line is a copy of its own:
    /// the log is read in large blocks, and a slice would keep its block.
    package func lines(about spans: [AddressSpan], limit: Int) throws -> [JSONValue] {
        guard let history else { return [] }
        // The trail's own times (RFC 3339, UTC, to the second) sort as text.
        let windows = spans.map { span in
            (needle: Array(("\"user\":" + JSONValue.string(span.address.description).serialized()).utf8),
             from: UTCTime.rfc3339(span.from), until: span.until == .max ? nil : UTCTime.rfc3339(span.until))
        }
        var kept = [(line: [UInt8], window: Int)]()
        try history { line in
            guard let w = windows.firstIndex(where: { ByteSearch.contains(line, $0.needle) }) else { return }
            kept.append((Array(line), w))
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
        return kept.compactMap { line, w in
            guard let value = try? JSONParser.parse(line), case .string(let time)? = value["time"], time >= windows[w].from,
                  windows[w].until.map({ time <= $0 }) ?? true else { return nil }
            return value
        }
    }

    /// Whether account events go anywhere (a budget for them need not be kept otherwise).
    package var publishesEvents: Bool { events != nil }

    /// Whether the n-th refusal of one source in one window gets its own
    /// line: the first, then the 2nd, 4th, 8th… each carrying the running
    /// total. A flood from one address writes a few dozen lines an hour,
    /// not one per request, and its start and size stay in the log.
    package static func isMilestone(_ n: Int) -> Bool { n >= 1 && n & (n - 1) == 0 }

    /// How many times this process has met `event` in the current hour,
    /// this one included: for events that no budget keys (a botnet's
    /// guesses come from a new network each, so no per-client count grows)
    /// and that get a line only at milestones of it.
    package func countThisHour(_ event: String, at time: Int64) -> Int {
        tally.count(event, hour: time / 3600)
    }

    /// A failed audit write does not fail the request (the event already
    /// happened), and the line is not lost: it goes to the error log (the
    /// web server's, often syslog) with the reason, never to nowhere. An
    /// attacker who brings the data directory's disk down to its reserve
    /// must not silence the trail of what they do next.
    /// `hooks`: whether the line's account event (if it makes one) goes
    /// to the site's hooks.
    package func record(_ event: String, at time: Int64, user: EmailAddress? = nil, ip: String? = nil,
                       _ extra: [(String, JSONValue)] = [], hooks: EventOutcome = .publish) {
        defer {
            if let events, hooks != .none, let happened = AccountEvent.from(audit: event, time: time, user: user, ip: ip, extra) {
                events.publish(happened, hooks)
            }
        }
        guard let sink else { return }
        var fields: [(String, JSONValue)] = [("time", .string(UTCTime.rfc3339(time))), ("event", .string(event))]
        if let user { fields.append(("user", .string(user.description))) }
        if let ip, !ip.isEmpty { fields.append(("ip", .string(ip))) }
        fields += extra
        let line = JSONValue.object(fields).serialized()
        do {
            try sink(line)
        } catch {
            logger.error("audit log not written (\(error)); the line: \(line)")
        }
    }
}

/// Counts per event within the current hour, in this process's memory
/// only: a worker's own view, lost when it exits, which is all a thinning
/// of log lines needs.
final class HourlyTally: @unchecked Sendable {
    private var hour: Int64 = -1
    private var counts: [String: Int] = [:]
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func count(_ event: String, hour now: Int64) -> Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if now != hour {
            hour = now
            counts.removeAll(keepingCapacity: true)
        }
        counts[event, default: 0] += 1
        return counts[event]!
    }
}
