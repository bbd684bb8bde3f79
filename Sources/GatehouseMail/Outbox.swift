#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem
import GatehouseCore
import GatehouseFiles

/// The mail spool (docs/operations.md, Mail): a message is written here durably before the
/// HTTP answer goes out, and delivered afterwards; what fails stays queued
/// with its attempt count and next-attempt time, and after too many failures
/// moves to `dead/`.
///
///     <data_dir>/outbox/<id>.eml     the RFC 5322 message, as it will be sent
///     <data_dir>/outbox/<id>.state   attempts, next attempt, last error (loss-tolerant)
///     <data_dir>/outbox/dead/<id>.eml
package struct Outbox: Sendable {
    package let dir: String
    package var deadDir: String { dir + "/dead" }

    package init(dataDir: String) {
        dir = dataDir + "/outbox"
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

    static func validID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { (48...57).contains($0) || (97...122).contains($0) || $0 == 45 }
    }

    package func enqueue(id: String, message: [UInt8]) throws {
        guard Outbox.validID(id) else { throw StoreError.badKey(id) }
        try Posix.makeDirectories(dir)
        try AtomicFile.write(message, to: "\(dir)/\(id).eml", durable: true)
    }

    /// Spooled messages, oldest first (ids start with the time).
    package func pending() -> [Entry] {
        entries(in: dir)
    }

    package func dead() -> [Entry] {
        entries(in: deadDir)
    }

    func entries(in directory: String) -> [Entry] {
        Posix.list(directory).filter { $0.hasSuffix(".eml") && !$0.contains(AtomicFile.tempMarker) }.sorted().map { name in
            let id = String(name.dropLast(4))
            return Entry(id: id, state: readState("\(directory)/\(id).state"))
        }
    }

    func readState(_ path: String) -> State {
        guard let fd = (try? Posix.openIfExists(path, O_RDONLY)) ?? nil else { return State() }
        defer { close(fd) }
        guard let bytes = try? Posix.readAll(fd, path: path), let r = try? RecordText.parse(bytes, kind: "mail-state") else {
            return State()
        }
        return State(attempts: Int(r["attempts"] ?? "") ?? 0, nextAttempt: Int64(r["next_attempt"] ?? "") ?? 0,
                     lastError: r["last_error"] ?? "")
    }

    /// Delivers one message under an exclusive, non-blocking lock, so two
    /// processes never send the same message; one that is busy elsewhere,
    /// already gone, or (with `dueBy`) not yet due is skipped (returns false).
    package func claim(_ id: String, dueBy now: Int64? = nil, _ deliver: ([UInt8], State) -> Outcome) throws -> Bool {
        guard Outbox.validID(id) else { throw StoreError.badKey(id) }
        let path = "\(dir)/\(id).eml"
        guard let fd = try Posix.openIfExists(path, O_RDONLY) else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { return false }
        // Sent (unlinked) or dead-lettered (renamed away) by whoever held the
        // lock before: the file opened is no longer the queued one.
        guard Posix.isStillLinked(fd, at: path) else { return false }
        let statePath = "\(dir)/\(id).state"
        var state = readState(statePath)
        if let now, state.nextAttempt > now { return false }  // retried by someone else meanwhile
        let message = try Posix.readAll(fd, path: path, limit: 16 << 20)
        switch deliver(message, state) {
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
            try Posix.rename(path, "\(deadDir)/\(id).eml")
            _ = try Posix.unlinkIfExists(statePath)
            try Posix.fsyncDirectory(dir)
        }
        return true
    }

    func writeState(_ s: State, to path: String) throws {
        let r = RecordText(kind: "mail-state", fields: [
            ("attempts", "\(s.attempts)"), ("next_attempt", "\(s.nextAttempt)"), ("last_error", s.lastError),
        ])
        try AtomicFile.write(r.encoded(), to: path, durable: true)
    }

    /// Moves dead letters back into the queue with a clean slate.
    package func retryDead(_ only: String? = nil) throws -> Int {
        var n = 0
        for e in dead() where only == nil || e.id == only {
            try Posix.rename("\(deadDir)/\(e.id).eml", "\(dir)/\(e.id).eml")
            _ = try Posix.unlinkIfExists("\(deadDir)/\(e.id).state")
            n += 1
        }
        if n > 0 { try Posix.fsyncDirectory(dir) }
        return n
    }

    /// A durable write of the same size as a spooled message, to a file that
    /// is never sent: lets a request for an unknown address do the same disk
    /// work as one for a known address.
    package func writeDecoy(_ bytes: [UInt8]) throws {
        try Posix.makeDirectories(dir)
        try AtomicFile.write(bytes, to: "\(dir)/decoy", durable: true)
    }
}
