#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import GatehouseSystem
import GatehouseCore

/// The embedded store: one small text file per record, in directories
/// sharded by the first two bytes of the record key, so the cost of an
/// operation does not grow with the number of records; the counters in one
/// table of fixed size.
///
///     <root>/FORMAT                  "gatehouse-store 1"
///     <root>/users/ab/cd/<id>        one user
///     <root>/sessions/ab/cd/<id>     one session
///     <root>/codes/ab/cd/<id>        one code
///     <root>/passkeys/ab/cd/<key>    the account a passkey belongs to (AccountIndexFiles)
///     <root>/addresses/ab/cd/<key>   the account an address belongs to (AccountIndexFiles)
///     <root>/user-sessions/ab/cd/<user id>/<session id>
///                                    an account's sessions (UserSessionIndex)
///     <root>/<kind>/ab/.lock         the lock for every record under ab/
///     <root>/counters.table          every counter (CounterTable)
///
/// Used by one thread at a time, as every process of Gatehouse does.
package final class FlatFileStore: AccountStore, @unchecked Sendable {
    package static let formatLine = "gatehouse-store 1"
    package let root: String
    /// The slots of the counter table when it is (re)made.
    package let counterSlots: Int
    /// Opened at the first counter a process needs (`me` and `verify` never do).
    private var table: CounterTable?
    /// Shard lock files stay open across requests: a lock is then one flock
    /// and one unlock, with no open and close. Lock files are never removed
    /// (gc and fsck leave them), so a descriptor kept is never a stale one.
    /// A flock on one descriptor excludes other processes, not other threads
    /// of this one: the reason a store is used by one thread at a time.
    private var lockFDs: [String: Int32] = [:]
    /// Records are read with one pread into this buffer, reused.
    private var readBuffer = [UInt8](repeating: 0, count: 16384)

    /// Opens an existing data directory; `gatehousectl init` creates one.
    /// `counterTableMiB`: the size of the counter table when it is made.
    package init(root: String, counterTableMiB: Int = 16) throws {
        self.root = root
        counterSlots = CounterTable.slots(mib: counterTableMiB)
        guard let fd = try Posix.openIfExists(root + "/FORMAT", O_RDONLY) else {
            throw StoreError.notInitialized(root)
        }
        defer { close(fd) }
        let text = String(decoding: try Posix.readAll(fd, path: root + "/FORMAT"), as: UTF8.self)
        guard text.hasPrefix(FlatFileStore.formatLine + "\n") || text == FlatFileStore.formatLine else {
            throw StoreError.corrupt(path: root + "/FORMAT", reason: "unknown store format")
        }
    }

    /// Creates the directory layout (0700) and the format marker; harmless
    /// on an existing store.
    package static func create(root: String, counterTableMiB: Int = 16) throws -> FlatFileStore {
        _ = umask(0o077)
        try Posix.makeDirectories(root)
        for kind in Collection.allCases { try Posix.makeDirectories(root + "/" + kind.rawValue) }
        let format = root + "/FORMAT"
        if !Posix.exists(format) {
            try AtomicFile.write(Array((formatLine + "\n").utf8), to: format, durable: true)
        }
        return try FlatFileStore(root: root, counterTableMiB: counterTableMiB)
    }

    enum Collection: String, CaseIterable {
        case users, sessions, codes, passkeys, addresses
    }

    var counterTablePath: String { root + "/counters.table" }

    /// The counter table, opened (or made) at first use, and opened afresh
    /// when gc has put another in its place.
    func counters() throws -> CounterTable {
        if let table, !table.isRetired { return table }
        let opened = try CounterTable(path: counterTablePath, slots: counterSlots)
        table = opened
        return opened
    }

    // MARK: paths and locks

    func path(_ c: Collection, _ id: String) throws -> (dir: String, file: String, lock: String) {
        guard id.utf8.count >= 8, id.utf8.count <= 128,
              id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw StoreError.badKey(id)
        }
        let u = Array(id.utf8)
        let a = String(decoding: u[0..<2], as: UTF8.self), b = String(decoding: u[2..<4], as: UTF8.self)
        let top = "\(root)/\(c.rawValue)/\(a)"
        let dir = "\(top)/\(b)"
        return (dir, "\(dir)/\(id)", "\(top)/.lock")
    }

    /// Holds the shard's exclusive flock for the duration of `body`. The lock
    /// file is separate from the records because a record is replaced by
    /// rename, and a lock on a replaced inode protects nothing.
    func withLock<T>(_ lockPath: String, _ body: () throws -> T) throws -> T {
        let fd = try lockFD(lockPath)
        try Posix.lock(fd, LOCK_EX, path: lockPath)
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }

    /// The shard's lock file, opened (and made) once per process.
    func lockFD(_ lockPath: String) throws -> Int32 {
        if let fd = lockFDs[lockPath] { return fd }
        let fd: Int32
        do {
            fd = try Posix.open(lockPath, O_RDWR | O_CREAT)
        } catch let e as SystemCallError where e.code == ENOENT {
            try Posix.makeDirectories(Posix.dirname(of: lockPath))
            fd = try Posix.open(lockPath, O_RDWR | O_CREAT)
        }
        // At most one per shard and collection (3 × 256); an admin command
        // walking everything closes them as it goes past the bound.
        if lockFDs.count >= 256 {
            for open in lockFDs.values { close(open) }
            lockFDs.removeAll(keepingCapacity: true)
        }
        lockFDs[lockPath] = fd
        return fd
    }

    deinit {
        for fd in lockFDs.values { close(fd) }
    }

    func readRecord(_ file: String, kind: String) throws -> RecordText? {
        guard let fd = try Posix.openIfExists(file, O_RDONLY) else { return nil }
        defer { close(fd) }
        // One pread: a read of a regular file that returns less than asked
        // has reached its end. A record that fills the buffer is read whole.
        let capacity = readBuffer.count
        let n = readBuffer.withUnsafeMutableBytes { b in Posix.retryRW { pread(fd, b.baseAddress, capacity, 0) } }
        if n < 0 { throw SystemCallError(operation: "pread", path: file, code: errno) }
        let bytes = Int(n) < capacity ? Array(readBuffer[0..<Int(n)]) : try Posix.readAll(fd, path: file)
        do {
            return try RecordText.parse(bytes, kind: kind)
        } catch {
            throw StoreError.corrupt(path: file, reason: error.description)
        }
    }

    func decode<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RecordCodec.Invalid {
            throw StoreError.corrupt(path: file, reason: e.description)
        }
    }

    // MARK: records (users, sessions, codes), one generic path for all three

    func load<R: StoredRecord>(_ id: String) throws -> R? {
        let p = try path(R.collection, id)
        guard let r = try readRecord(p.file, kind: R.header) else { return nil }
        return try decode(p.file) { try R(r) }
    }

    func write<R: StoredRecord>(_ record: R, onlyIfNew: Bool, durable: Bool = true) throws {
        let p = try path(R.collection, record.id)
        try withLock(p.lock) {
            if onlyIfNew && Posix.exists(p.file) { throw StoreError.exists }
            try Posix.makeDirectories(p.dir)
            try AtomicFile.write(record.text.encoded(), to: p.file, durable: durable)
        }
    }

    /// The locked read-modify-write every update goes through; `change`
    /// returning false removes the record.
    func modify<R: StoredRecord>(_ id: String, durable: Bool, _ change: (inout R) throws -> Bool) throws -> Updated<R> {
        let p = try path(R.collection, id)
        // A record that is not there needs no lock to say so: records appear
        // and go by rename and unlink, so a miss is a moment at which there
        // was none, and a missing record is left unchanged. (The path a
        // flood of guesses for made-up addresses takes, a syscall instead of four.)
        if access(p.file, F_OK) != 0 && errno == ENOENT { return .missing }
        return try withLock(p.lock) {
            guard let r = try readRecord(p.file, kind: R.header) else { return .missing }
            var record = try decode(p.file) { try R(r) }
            guard try change(&record) else {
                _ = try AtomicFile.remove(p.file)
                return .removed
            }
            try AtomicFile.write(record.text.encoded(), to: p.file, durable: durable)
            return .kept(record)
        }
    }

    func remove(_ c: Collection, _ id: String) throws -> Bool {
        let p = try path(c, id)
        return try withLock(p.lock) { try AtomicFile.remove(p.file) }
    }

    func all<R: StoredRecord>() throws -> [R] {
        try scan(R.collection).compactMap { file in
            guard let r = try readRecord(file, kind: R.header) else { return nil }
            return try decode(file) { try R(r) }
        }
    }

    // MARK: users

    package func loadUser(_ id: String) throws -> UserRecord? { try load(id) }

    package func insertUser(_ user: UserRecord) throws { try write(user, onlyIfNew: true) }

    /// `durable: false` is for bulk loads that end with one `sync` (the
    /// benchmark's million users); everything else is durable.
    package func insertUser(_ user: UserRecord, durable: Bool) throws {
        try write(user, onlyIfNew: true, durable: durable)
    }

    /// Flushes everything written (sync(2): syncfs needs _GNU_SOURCE).
    package func syncAll() {
        sync()
    }

    @discardableResult
    package func updateUser(_ id: String, _ change: (inout UserRecord) throws -> Void) throws -> UserRecord {
        guard case .kept(let user) = try modify(id, durable: true, { (u: inout UserRecord) in try change(&u); return true }) else {
            throw StoreError.notFound
        }
        return user
    }

    @discardableResult
    package func deleteUser(_ id: String) throws -> Bool { try remove(.users, id) }

    package func allUsers() throws -> [UserRecord] { try all() }

    // MARK: sessions

    package func loadSession(_ id: String) throws -> SessionRecord? { try load(id) }

    package func insertSession(_ session: SessionRecord) throws {
        try write(session, onlyIfNew: true)
        // A ticket or a grant is nobody's session to list.
        if session.kind == .session { try addToUserIndex(session) }
    }

    @discardableResult
    package func updateSession(_ id: String, durable: Bool, _ change: (inout SessionRecord) throws -> Bool) throws -> SessionRecord? {
        guard case .kept(let session) = try modify(id, durable: durable, change) else { return nil }
        return session
    }

    @discardableResult
    package func deleteSession(_ id: String) throws -> Bool { try remove(.sessions, id) }

    package func allSessions() throws -> [SessionRecord] { try all() }

    // MARK: codes

    package func loadCode(_ id: String) throws -> CodeRecord? { try load(id) }

    package func putCode(_ code: CodeRecord) throws { try write(code, onlyIfNew: false) }

    @discardableResult
    package func updateCode(_ id: String, _ change: (inout CodeRecord) throws -> Bool) throws -> Updated<CodeRecord> {
        try modify(id, durable: true, change)
    }

    @discardableResult
    package func deleteCode(_ id: String) throws -> Bool { try remove(.codes, id) }

    package func allCodes() throws -> [CodeRecord] { try all() }

    // MARK: counters

    /// How full the counter table is: counters in it, and slots.
    package func counterTableUsage() throws -> (used: Int, slots: Int) {
        let table = try counters()
        return (try table.survey(repair: false).used, table.slotCount)
    }

    package func readCounter(_ id: String) throws -> CounterRecord {
        try counters().read(id)
    }

    @discardableResult
    package func updateCounter(_ id: String, _ change: (inout CounterRecord) -> Void) throws -> CounterRecord {
        try counters().update(id, create: true) { counter in
            var c = counter
            change(&c)
            return c
        } ?? CounterRecord()
    }

    /// Back to zero: the slot is freed.
    package func resetCounter(_ id: String) throws {
        try counters().update(id, create: false) { _ in nil }
    }

    package func updateExistingCounter(_ id: String, removingIf empty: (CounterRecord) -> Bool,
                                      _ change: (inout CounterRecord) -> Void) throws {
        try counters().update(id, create: false) { counter in
            var c = counter
            change(&c)
            return empty(c) ? nil : c
        }
    }

    // MARK: walking

    /// Every record file of a collection. Only admin commands (list, gc,
    /// fsck) walk; request paths never do.
    func scan(_ c: Collection) throws -> [String] {
        var files = [String]()
        let base = "\(root)/\(c.rawValue)"
        for a in Posix.list(base).sorted() where isShardName(a) {
            for b in Posix.list("\(base)/\(a)").sorted() where isShardName(b) {
                for name in Posix.list("\(base)/\(a)/\(b)").sorted() where !name.contains(".") {
                    files.append("\(base)/\(a)/\(b)/\(name)")
                }
            }
        }
        return files
    }

    func isShardName(_ s: String) -> Bool {
        s.utf8.count == 2 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
