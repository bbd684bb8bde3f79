#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// A durable queue of files, one per item, for what must leave this
/// machine after the request that made it (mail, account events). An item
/// is written whole and fsynced before the request answers; whoever
/// delivers it takes a non-blocking lock on it, so two processes never
/// send the same item at once; what fails keeps its attempt count and
/// next-attempt time beside it, and after too many failures moves to
/// `dead/`, where an operator can look at it and requeue it.
///
///     <dir>/<id><suffix>          the item, as it will be sent
///     <dir>/<id>.state            attempts, next attempt, last error (loss-tolerant)
///     <dir>/dead/<id><suffix>
package struct Spool: Sendable {
    package let dir: String
    let suffix: String
    let stateKind: String
    package var deadDir: String { dir + "/dead" }

    package init(dir: String, suffix: String, stateKind: String) {
        self.dir = dir
        self.suffix = suffix
        self.stateKind = stateKind
    }

    package struct State: Equatable, Sendable {
        package var attempts = 0
        package var nextAttempt: Int64 = 0
        package var lastError = ""

        package init(attempts: Int = 0, nextAttempt: Int64 = 0, lastError: String = "") {
            self.attempts = attempts
            self.nextAttempt = nextAttempt
            self.lastError = lastError
        }
    }

    package struct Entry: Equatable, Sendable {
        package let id: String
        package let state: State
    }

    package enum Outcome: Sendable {
        case sent
        case retry(at: Int64, error: String)
        case dead(error: String)
    }

    /// An id that is not one this spool makes: never a path.
    package struct BadID: Error, CustomStringConvertible {
        package let id: String
        package var description: String { "not a spool id (digits, a-z and '-', at most 64)" }
    }

    /// Ids are made of digits, lower-case letters and hyphens: a name, never a path.
    package static func validID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { (48...57).contains($0) || (97...122).contains($0) || $0 == 45 }
    }

    package func enqueue(id: String, item: [UInt8]) throws {
        guard Spool.validID(id) else { throw BadID(id: id) }
        try Posix.makeDirectories(dir)
        try AtomicFile.write(item, to: "\(dir)/\(id)\(suffix)", durable: true)
    }

    /// A durable write of the same size as a spooled item, to a file that
    /// is never sent: lets a request about an unknown address do the same
    /// disk work as one about a known address.
    package func writeDecoy(_ bytes: [UInt8]) throws {
        try Posix.makeDirectories(dir)
        try AtomicFile.write(bytes, to: "\(dir)/decoy", durable: true)
    }

    /// Spooled items, oldest first (ids start with the time).
    package func pending() -> [Entry] {
        entries(in: dir)
    }

    package func dead() -> [Entry] {
        entries(in: deadDir)
    }

    func entries(in directory: String) -> [Entry] {
        Posix.list(directory).filter { $0.hasSuffix(suffix) && !$0.contains(AtomicFile.tempMarker) }.sorted().map { name in
            let id = String(name.dropLast(suffix.count))
            return Entry(id: id, state: readState("\(directory)/\(id).state"))
        }
    }

    func readState(_ path: String) -> State {
        guard let fd = (try? Posix.openIfExists(path, O_RDONLY)) ?? nil else { return State() }
        defer { close(fd) }
        guard let bytes = try? Posix.readAll(fd, path: path), let r = try? RecordText.parse(bytes, kind: stateKind) else {
            return State()
        }
        return State(attempts: Int(r["attempts"] ?? "") ?? 0, nextAttempt: Int64(r["next_attempt"] ?? "") ?? 0,
                     lastError: r["last_error"] ?? "")
    }

    /// Delivers one item under an exclusive, non-blocking lock, so two
    /// processes never send the same item; one that is busy elsewhere,
    /// already gone, or (with `dueBy`) not yet due is skipped (returns false).
    package func claim(_ id: String, dueBy now: Int64? = nil, _ deliver: ([UInt8], State) -> Outcome) throws -> Bool {
        guard Spool.validID(id) else { throw BadID(id: id) }
        let path = "\(dir)/\(id)\(suffix)"
        guard let fd = try Posix.openIfExists(path, O_RDONLY) else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { return false }
        // Sent (unlinked) or dead-lettered (renamed away) by whoever held the
        // lock before: the file opened is no longer the queued one.
        guard Posix.isStillLinked(fd, at: path) else { return false }
        let statePath = "\(dir)/\(id).state"
        var state = readState(statePath)
        if let now, state.nextAttempt > now { return false }  // retried by someone else meanwhile
        let item = try Posix.readAll(fd, path: path, limit: 16 << 20)
        switch deliver(item, state) {
        case .sent:
            _ = try Posix.unlinkIfExists(statePath)
            _ = try AtomicFile.remove(path)
        case .retry(let at, let error):
            state.attempts += 1
            state.nextAttempt = at
            state.lastError = error
            try writeState(state, to: statePath)
        case .dead(let error):
            state.attempts += 1
            state.lastError = error
            try Posix.makeDirectories(deadDir)
            try writeState(state, to: "\(deadDir)/\(id).state")
            try Posix.rename(path, "\(deadDir)/\(id)\(suffix)")
            _ = try Posix.unlinkIfExists(statePath)
            // Both directories: after a crash the item is in one of them.
            try Posix.fsyncDirectory(deadDir)
            try Posix.fsyncDirectory(dir)
        }
        return true
    }

    /// What one delivery run did.
    package struct Tally: Equatable, Sendable {
        package var sent = 0
        package var failed = 0
        package var dead = 0

        package init() {}

        package mutating func add(_ outcome: Outcome?) {
            switch outcome {
            case .sent?: sent += 1
            case .retry?: failed += 1
            case .dead?: dead += 1
            case nil: break
            }
        }

        package mutating func add(_ other: Tally) {
            sent += other.sent
            failed += other.failed
            dead += other.dead
        }
    }

    /// Why a send failed (a short reason, never the item); a `permanent`
    /// failure (an item that can never be sent) is a dead letter at once.
    package struct Failure: Error, Sendable {
        package let reason: String
        package let permanent: Bool

        package init(_ reason: String, permanent: Bool = false) {
            self.reason = reason
            self.permanent = permanent
        }
    }

    /// Sends one item with `send` (given the item and which attempt this
    /// is; nil on success): a failure is retried after `backoff(attempts so
    /// far)` seconds, and the `maxAttempts`-th failure is a dead letter.
    /// nil: skipped (see `claim`).
    package func attempt(_ id: String, dueBy: Int64? = nil, now: () -> Int64, maxAttempts: Int, backoff: (Int) -> Int64,
                         _ send: ([UInt8], Int) -> Failure?) throws -> Outcome? {
        var outcome: Outcome?
        _ = try claim(id, dueBy: dueBy) { item, state in
            let result: Outcome
            let attempts = state.attempts + 1
            if let failure = send(item, attempts) {
                result = attempts >= maxAttempts || failure.permanent ? .dead(error: failure.reason)
                    : .retry(at: now() + backoff(attempts), error: failure.reason)
            } else {
                result = .sent
            }
            outcome = result
            return result
        }
        return outcome
    }

    /// The ids due now (or all of them, with `force`).
    package func due(at now: Int64, force: Bool) -> [String] {
        pending().filter { force || $0.state.nextAttempt <= now }.map(\.id)
    }

    func writeState(_ s: State, to path: String) throws {
        let r = RecordText(kind: stateKind, fields: [
            ("attempts", "\(s.attempts)"), ("next_attempt", "\(s.nextAttempt)"), ("last_error", s.lastError),
        ])
        try AtomicFile.write(r.encoded(), to: path, durable: true)
    }

    /// Moves dead letters back into the queue with a clean slate.
    package func retryDead(_ only: String? = nil) throws -> Int {
        var n = 0
        for e in dead() where only == nil || e.id == only {
            try Posix.rename("\(deadDir)/\(e.id)\(suffix)", "\(dir)/\(e.id)\(suffix)")
            _ = try Posix.unlinkIfExists("\(deadDir)/\(e.id).state")
            n += 1
        }
        if n > 0 {
            try Posix.fsyncDirectory(dir)
            try Posix.fsyncDirectory(deadDir)
        }
        return n
    }
}
