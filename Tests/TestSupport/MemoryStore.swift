#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore

/// The core's store protocols over dictionaries in memory, for tests of the
/// core that need no adapter. It passes the same store contract as the
/// flat files and PostgreSQL (StoreContractTests), so what a core test
/// shows holds for them too. One lock around everything: every update is
/// a locked read-modify-write.
package final class MemoryStore: AccountStore, StoreMaintenance, @unchecked Sendable {
    private var users: [String: UserRecord] = [:]
    private var sessions: [String: SessionRecord] = [:]
    private var codes: [String: CodeRecord] = [:]
    private var counters: [String: CounterRecord] = [:]
    private var files: [String: [UInt8]] = [:]
    private var indexes: [AccountIndexName: [String: String]] = [:]
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// Stages what a compare-and-swap store (PostgreSQL) may do: the next
    /// updateCode lets `change` decide on the code, finds that another
    /// request took the code meanwhile, and reports it missing.
    package var loseNextCodeRace = false

    package init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// `record` under `id`, refused if `table` already has one.
    private func insertNew<R>(_ table: inout [String: R], _ id: String, _ record: R) throws {
        guard table[id] == nil else { throw StoreError.exists }
        table[id] = record
    }

    /// The change applied to the record of `id` in `table`; a change that
    /// answers false deletes it.
    private func replace<R>(_ table: inout [String: R], _ id: String, _ change: (inout R) throws -> Bool) throws -> Updated<R> {
        guard var record = table[id] else { return .missing }
        guard try change(&record) else {
            table[id] = nil
            return .removed
        }
        table[id] = record
        return .kept(record)
    }

    /// How many counters are kept (a flood's footprint, in tests).
    package var counterCount: Int { locked { counters.count } }

    // MARK: indexes

    package func owner(in index: AccountIndexName, _ key: String) throws -> String? { locked { indexes[index]?[key] } }

    package func claim(in index: AccountIndexName, _ key: String, for userID: String) throws -> Bool {
        locked {
            if let owner = indexes[index]?[key] { return owner == userID }
            indexes[index, default: [:]][key] = userID
            return true
        }
    }

    package func release(in index: AccountIndexName, _ key: String, of userID: String) throws {
        locked { if indexes[index]?[key] == userID { indexes[index]?[key] = nil } }
    }

    // MARK: users

    package func loadUser(_ id: String) throws -> UserRecord? { locked { users[id] } }

    package func insertUser(_ user: UserRecord) throws { try locked { try insertNew(&users, user.id, user) } }

    @discardableResult
    package func updateUser(_ id: String, _ change: (inout UserRecord) throws -> Void) throws -> UserRecord {
        try locked {
            guard var user = users[id] else { throw StoreError.notFound }
            try change(&user)
            users[id] = user
            return user
        }
    }

    @discardableResult
    package func deleteUser(_ id: String) throws -> Bool { locked { users.removeValue(forKey: id) != nil } }

    package func allUsers() throws -> [UserRecord] { locked { users.values.sorted { $0.id < $1.id } } }

    // MARK: sessions

    package func loadSession(_ id: String) throws -> SessionRecord? { locked { sessions[id] } }

    package func insertSession(_ session: SessionRecord) throws { try locked { try insertNew(&sessions, session.id, session) } }

    @discardableResult
    package func updateSession(_ id: String, durable: Bool, _ change: (inout SessionRecord) throws -> Bool) throws -> SessionRecord? {
        try locked { try replace(&sessions, id, change).record }
    }

    @discardableResult
    package func deleteSession(_ id: String) throws -> Bool { locked { sessions.removeValue(forKey: id) != nil } }

    package func allSessions() throws -> [SessionRecord] { locked { sessions.values.sorted { $0.id < $1.id } } }

    package func sessions(ofUser userID: String) throws -> [SessionRecord] { try allSessions().filter { $0.userID == userID } }

    // MARK: codes

    package func loadCode(_ id: String) throws -> CodeRecord? { locked { codes[id] } }

    package func putCode(_ code: CodeRecord) throws { locked { codes[code.id] = code } }

    @discardableResult
    package func updateCode(_ id: String, _ change: (inout CodeRecord) throws -> Bool) throws -> Updated<CodeRecord> {
        try locked {
            if loseNextCodeRace, var decided = codes[id] {
                loseNextCodeRace = false
                _ = try change(&decided)
                codes[id] = nil
                return .missing
            }
            return try replace(&codes, id, change)
        }
    }

    @discardableResult
    package func deleteCode(_ id: String) throws -> Bool { locked { codes.removeValue(forKey: id) != nil } }

    package func allCodes() throws -> [CodeRecord] { locked { codes.values.sorted { $0.id < $1.id } } }

    // MARK: counters

    package func readCounter(_ id: String) throws -> CounterRecord { locked { counters[id] ?? CounterRecord() } }

    @discardableResult
    package func updateCounter(_ id: String, _ change: (inout CounterRecord) -> Void) throws -> CounterRecord {
        locked {
            var counter = counters[id] ?? CounterRecord()
            change(&counter)
            counters[id] = counter
            return counter
        }
    }

    package func resetCounter(_ id: String) throws { locked { counters[id] = nil } }

    package func updateExistingCounter(_ id: String, removingIf empty: (CounterRecord) -> Bool,
                                       _ change: (inout CounterRecord) -> Void) throws {
        locked {
            guard var counter = counters[id] else { return }
            change(&counter)
            counters[id] = empty(counter) ? nil : counter
        }
    }

    // MARK: server files

    package func loadServerFile(_ name: String) throws -> [UInt8]? { locked { files[name] } }

    package func saveServerFile(_ name: String, _ bytes: [UInt8]) throws { locked { files[name] = bytes } }

    // MARK: maintenance

    package func collectGarbage(sessionDead: (SessionRecord) -> Bool, codeDead: (CodeRecord) -> Bool,
                                counterDead: (CounterRecord) -> Bool) throws -> GCReport {
        // The predicates read the store themselves (a session's user): they
        // run outside the lock, each removal is decided again inside it.
        var report = GCReport()
        for s in try allSessions() where sessionDead(s) {
            if locked({ sessions[s.id] == s ? sessions.removeValue(forKey: s.id) : nil }) != nil { report.sessions += 1 }
        }
        for c in try allCodes() where codeDead(c) {
            if locked({ codes[c.id] == c ? codes.removeValue(forKey: c.id) : nil }) != nil { report.codes += 1 }
        }
        for (id, c) in locked({ counters }) where counterDead(c) {
            if locked({ counters[id] == c ? counters.removeValue(forKey: id) : nil }) != nil { report.counters += 1 }
        }
        return report
    }
}
