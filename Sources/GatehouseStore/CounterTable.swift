#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseFiles
import GatehouseSystem

/// Every counter of the flat-file store (sign-in failures, code budgets,
/// send budgets) in one preallocated file of fixed-size slots, mapped into
/// each process. A flood of requests from new addresses, or for made-up
/// accounts, can then take no more disk than the table's fixed size: when
/// it is full, a new counter replaces an expired one, else the one least
/// recently used that refuses nothing (never a window or back-off that
/// still refuses: `CounterRecord.holdUntil`). Were every slot a counter can
/// go to a live refusal, the new counter is refused (503, `Retry-After`);
/// docs/security.md says how many networks that takes.
///
///     header   4096 bytes: "gatehouse-counters 1\n", slot count, retired flag
///     slots    64 bytes each: key (16) count last until holdUntil expires check
///
/// A counter's key is the first 16 bytes of its id (itself a keyed hash);
/// it lives in one stripe of `stripeSlots` slots chosen by the key, and a
/// decision reads the mapping and writes one slot under that stripe's byte-range lock
/// (an OFD lock: the kernel drops it when its holder dies, so a worker
/// killed mid-update blocks no one). A slot torn by such a kill fails its
/// check and reads as empty: a counter lost costs nothing, as anywhere in
/// the store. Nothing is fsync'd: counters are loss-tolerant.
final class CounterTable: @unchecked Sendable {
    static let magic = Array("gatehouse-counters 1\n".utf8)
    static let headerSize = 4096
    static let slotSize = 64
    static let stripeSlots = 32
    /// A slot: key, then five Int64 fields, then the check.
    static let fields = 5

    let path: String
    let slotCount: Int
    private let fd: Int32
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// One process may use the table from several threads (tests do); an
    /// OFD lock is shared by every thread of the process that holds it.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Slots for `mib` MiB of table, a whole number of stripes.
    static func slots(mib: Int) -> Int {
        max(stripeSlots, (mib << 20) / slotSize / stripeSlots * stripeSlots)
    }

    /// Opens the table at `path`, creating it with `slots` slots if there is
    /// none. Several processes may race to create it: one wins, every one
    /// opens the winner's.
    init(path: String, slots: Int) throws {
        self.path = path
        if !Posix.exists(path) { try CounterTable.create(path: path, slots: slots) }
        fd = try Posix.open(path, O_RDWR)
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= CounterTable.headerSize else {
            close(fd)
            throw StoreError.corrupt(path: path, reason: "shorter than its header")
        }
        length = Int(st.st_size)
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            let code = errno
            close(fd)
            throw SystemCallError(operation: "mmap", path: path, code: code)
        }
        base = mapped
        let header = UnsafeRawBufferPointer(start: base, count: CounterTable.magic.count)
        let count = Int(base.load(fromByteOffset: 32, as: UInt64.self))
        guard Array(header) == CounterTable.magic, count > 0, count % CounterTable.stripeSlots == 0,
              CounterTable.headerSize + count * CounterTable.slotSize == length else {
            munmap(base, length)
            close(fd)
            throw StoreError.corrupt(path: path, reason: "not a counter table of this version, or the wrong size")
        }
        slotCount = count
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        munmap(base, length)
        close(fd)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Written beside the final name and linked into place, so no process
    /// ever maps a half-made table; its disk is allocated now.
    static func create(path: String, slots: Int) throws {
        let (temp, fd) = try AtomicFile.createTemporary(beside: path)
        defer { close(fd); _ = try? Posix.unlinkIfExists(temp) }
        let size = headerSize + slots * slotSize
        let rc = posix_fallocate(fd, 0, off_t(size))
        if rc == EOPNOTSUPP || rc == EINVAL {
            // A file system without fallocate: the same, written out.
            let zeros = [UInt8](repeating: 0, count: 1 << 16)
            var at = 0
            while at < size {
                let n = min(zeros.count, size - at)
                let written = zeros.withUnsafeBytes { buf in Posix.retryRW { pwrite(fd, buf.baseAddress, n, off_t(at)) } }
                if written <= 0 { throw SystemCallError(operation: "pwrite", path: temp, code: errno) }
                at += written
            }
        } else if rc != 0 {
            throw SystemCallError(operation: "posix_fallocate", path: path, code: rc)
        }
        var header = [UInt8](repeating: 0, count: headerSize)
        header.replaceSubrange(0..<magic.count, with: magic)
        withUnsafeBytes(of: UInt64(slots).littleEndian) { header.replaceSubrange(32..<40, with: $0) }
        try Posix.pwriteAll(fd, header, path: temp)
        try Posix.fsync(fd, path: temp)
        if link(temp, path) != 0 && errno != EEXIST { throw SystemCallError(operation: "link", path: path, code: errno) }
        try Posix.fsyncDirectory(Posix.dirname(of: path))
    }

    /// Set by `gatehousectl gc` when it put a table of another size in
    /// this one's place: a process still holding this one opens the new.
    var isRetired: Bool { base.load(fromByteOffset: 40, as: UInt64.self) != 0 }

    func retire() throws {
        let one = withUnsafeBytes(of: UInt64(1).littleEndian) { Array($0) }
        let n = one.withUnsafeBytes { b in Posix.retryRW { pwrite(fd, b.baseAddress, b.count, 40) } }
        if n != one.count { throw SystemCallError(operation: "pwrite", path: path, code: n < 0 ? errno : EIO) }
    }

    // MARK: keys, stripes and slots

    /// The first 16 bytes of a hex id (shorter ids are zero-padded).
    static func key(_ id: String) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 16)
        var i = 0
        var high: UInt8?
        for c in id.utf8 where i < 16 {
            guard let v = HexDigits.value(c) else { break }
            if let h = high { key[i] = h << 4 | v; i += 1; high = nil } else { high = v }
        }
        return key
    }

    func stripe(of key: [UInt8]) -> Int {
        var n: UInt64 = 0
        for b in key[0..<8] { n = n << 8 | UInt64(b) }
        return Int(n % UInt64(slotCount / CounterTable.stripeSlots))
    }

    func slotAddress(_ index: Int) -> UnsafeMutableRawPointer {
        base + CounterTable.headerSize + index * CounterTable.slotSize
    }

    /// FNV-1a over the first 56 bytes, never 0: an all-zero slot is empty.
    static func check(_ slot: UnsafeRawPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<(slotSize - 8) {
            h = (h ^ UInt64(slot.load(fromByteOffset: i, as: UInt8.self))) &* 0x100_0000_01b3
        }
        return h | 1
    }

    /// The slot's counter, or nil when it is empty or torn.
    func read(_ index: Int) -> (key: [UInt8], counter: CounterRecord)? {
        let slot = UnsafeRawPointer(slotAddress(index))
        guard slot.load(fromByteOffset: 56, as: UInt64.self) == CounterTable.check(slot) else { return nil }
        let key = Array(UnsafeRawBufferPointer(start: slot, count: 16))
        func field(_ n: Int) -> Int64 { Int64(littleEndian: slot.load(fromByteOffset: 16 + 8 * n, as: Int64.self)) }
        return (key, CounterRecord(count: Int(field(0)), last: field(1), until: field(2), holdUntil: field(3), expires: field(4)))
    }

    /// Written with pwrite, read through the mapping (the same page cache):
    /// on a copy-on-write file system (btrfs, ZFS) even allocated blocks
    /// need new space to be overwritten, and a full disk would fault a
    /// store into the mapping (SIGBUS) where pwrite reports ENOSPC.
    func write(_ index: Int, key: [UInt8], _ c: CounterRecord) throws {
        var slot = [UInt8](repeating: 0, count: CounterTable.slotSize)
        slot.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: key)
            for (n, v) in [Int64(c.count), c.last, c.until, c.holdUntil, c.expires].enumerated() {
                raw.storeBytes(of: v.littleEndian, toByteOffset: 16 + 8 * n, as: Int64.self)
            }
            raw.storeBytes(of: CounterTable.check(raw.baseAddress!), toByteOffset: 56, as: UInt64.self)
        }
        try put(slot, at: index)
    }

    func clear(_ index: Int) throws {
        try put([UInt8](repeating: 0, count: CounterTable.slotSize), at: index)
    }

    func put(_ bytes: [UInt8], at index: Int) throws {
        let offset = off_t(CounterTable.headerSize + index * CounterTable.slotSize)
        let n = bytes.withUnsafeBytes { b in Posix.retryRW { pwrite(fd, b.baseAddress, b.count, offset) } }
        if n != bytes.count { throw SystemCallError(operation: "pwrite", path: path, code: n < 0 ? errno : EIO) }
    }

    // MARK: locked access

    /// Runs `body` with the stripe locked (shared for reading, exclusive
    /// for writing) and the index of its first slot.
    func withStripe<T>(_ stripe: Int, exclusive: Bool, _ body: (Int) throws -> T) throws -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let stripeBytes = CounterTable.stripeSlots * CounterTable.slotSize
        var lock = flock()
        lock.l_type = Int16(exclusive ? F_WRLCK : F_RDLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = off_t(CounterTable.headerSize + stripe * stripeBytes)
        lock.l_len = off_t(stripeBytes)
        // F_OFD_SETLKW (38) does not import; an OFD lock belongs to this open
        // file, not to the process, and ends with it.
        if Posix.retry({ fcntl(fd, 38, &lock) }) != 0 { throw SystemCallError(operation: "fcntl(F_OFD_SETLKW)", path: path, code: errno) }
        defer {
            lock.l_type = Int16(F_UNLCK)
            _ = fcntl(fd, 37, &lock)
        }
        return try body(stripe * CounterTable.stripeSlots)
    }

    func find(_ key: [UInt8], from first: Int) -> Int? {
        (first..<first + CounterTable.stripeSlots).first { read($0)?.key == key }
    }

    func read(_ id: String) throws -> CounterRecord {
        let key = CounterTable.key(id)
        return try withStripe(stripe(of: key), exclusive: false) { first in
            find(key, from: first).flatMap { read($0)?.counter } ?? CounterRecord()
        }
    }

    /// The locked read-modify-write: `change` sees the counter and returns
    /// what to keep, nil to remove it. A counter not there is made only
    /// with `create` (then `change` sees a zero one); otherwise `change` is
    /// not called. A new counter's place is chosen by its own time: every
    /// policy stamps `last` with the moment it counts (the core's clock,
    /// which tests set), else this machine's.
    @discardableResult
    func update(_ id: String, create: Bool, _ change: (CounterRecord) -> CounterRecord?) throws -> CounterRecord? {
        let key = CounterTable.key(id)
        return try withStripe(stripe(of: key), exclusive: true) { first in
            if let index = find(key, from: first) {
                guard let changed = change(read(index)?.counter ?? CounterRecord()) else {
                    try clear(index)
                    return nil
                }
                try write(index, key: key, changed)
                return changed
            }
            guard create, let changed = change(CounterRecord()) else { return nil }
            let now = changed.last > 0 ? changed.last : Int64(time(nil))
            guard let index = place(from: first, now: now) else {
                throw StoreError.unavailable("counter table \(path): every slot this counter can go to holds a live refusal")
            }
            try write(index, key: key, changed)
            return changed
        }
    }

    /// Where a new counter goes in a stripe: an empty slot, else an expired
    /// counter, else, of those that refuse nothing now, the one with the
    /// fewest counts (the least recently used among equals); nil when every
    /// one still refuses something. Fewest counts first: to push out an
    /// account's 50 failures on their way to the lock, a flood must fill
    /// the stripe with counters of 50 or more, each of which its own budgets
    /// pay for, rather than with one request per slot.
    func place(from first: Int, now: Int64) -> Int? {
        var cheapest: (index: Int, count: Int, last: Int64)?
        for index in first..<first + CounterTable.stripeSlots {
            guard let (_, c) = read(index), !c.isExpired(now: now) else { return index }
            guard c.holdUntil <= now else { continue }
            if let best = cheapest, (best.count, best.last) <= (c.count, c.last) { continue }
            cheapest = (index, c.count, c.last)
        }
        return cheapest?.index
    }

    // MARK: walking (gc, fsck)

    /// Every counter, stripe by stripe under its lock.
    func forEach(_ body: ([UInt8], CounterRecord) throws -> Void) throws {
        for stripe in 0..<slotCount / CounterTable.stripeSlots {
            try withStripe(stripe, exclusive: false) { first in
                for index in first..<first + CounterTable.stripeSlots {
                    if let (key, c) = read(index) { try body(key, c) }
                }
            }
        }
    }

    /// A counter copied in whole (a resize), placed as a new one would be.
    func put(_ key: [UInt8], _ counter: CounterRecord) throws {
        try withStripe(stripe(of: key), exclusive: true) { first in
            if let index = find(key, from: first) ?? place(from: first, now: counter.last) { try write(index, key: key, counter) }
        }
    }

    /// Clears every counter `dead` holds, stripe by stripe; how many.
    func removeAll(where dead: (CounterRecord) -> Bool) throws -> Int {
        var removed = 0
        for stripe in 0..<slotCount / CounterTable.stripeSlots {
            try withStripe(stripe, exclusive: true) { first in
                for index in first..<first + CounterTable.stripeSlots {
                    if let (_, c) = read(index), dead(c) {
                        try clear(index)
                        removed += 1
                    }
                }
            }
        }
        return removed
    }

    /// Slots in use, and slots neither empty nor valid (torn); `repair`
    /// clears the torn ones.
    func survey(repair: Bool) throws -> (used: Int, torn: Int) {
        var used = 0, torn = 0
        for stripe in 0..<slotCount / CounterTable.stripeSlots {
            try withStripe(stripe, exclusive: repair) { first in
                for index in first..<first + CounterTable.stripeSlots {
                    if read(index) != nil { used += 1; continue }
                    let raw = UnsafeRawBufferPointer(start: slotAddress(index), count: CounterTable.slotSize)
                    if raw.contains(where: { $0 != 0 }) {
                        torn += 1
                        if repair { try clear(index) }
                    }
                }
            }
        }
        return (used, torn)
    }
}
