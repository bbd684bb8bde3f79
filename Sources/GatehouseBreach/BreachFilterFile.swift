#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import GatehouseSystem

/// The filter of breached passwords as a file under data_dir, read by
/// memory map. A password's key is the first 8 bytes of its SHA-1 (the
/// corpus gives SHA-1s); the key's top bits choose a shard, each shard a
/// binary fuse filter of its own (so that building one needs memory for
/// one shard's keys, not the corpus's).
///
/// Layout, little-endian: "GHBREACH", u32 version (1), u32 shard bits,
/// u64 keys, u64 reserved; per shard (2^bits) u64 seed, u32 segment
/// length, u32 segment count length, u32 array length, u32 reserved, u64
/// offset; then each shard's u16 fingerprints at its offset.
package enum BreachFilterFile {
    static let magic = Array("GHBREACH".utf8)
    static let headerSize = 32
    static let entrySize = 32

    package struct Corrupt: Error, CustomStringConvertible {
        package let description: String
    }

    static func shard(_ key: UInt64, bits: Int) -> Int { bits == 0 ? 0 : Int(key >> UInt64(64 - bits)) }

    static func header(bits: Int, keys: UInt64) -> [UInt8] {
        magic + le(UInt32(1)) + le(UInt32(bits)) + le(keys) + le(UInt64(0))
    }

    static func entry(_ layout: BinaryFuseFilter.Layout, offset: UInt64) -> [UInt8] {
        le(layout.seed) + le(layout.segmentLength) + le(layout.segmentCountLength) + le(layout.arrayLength) + le(UInt32(0))
            + le(offset)
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// A filter file mapped for lookups. The file is replaced whole by an
/// import (a rename): each lookup first checks that the path still names
/// the file mapped, and maps the new one if not, so a running responder
/// switches over with no restart and no moment without a filter. Replace
/// it only by a rename (`mv`, or the import): a file overwritten in place
/// (`cp` over it) can shrink under a mapping, and a read past its new end
/// kills the process (SIGBUS).
///
/// A new file that cannot be read (damaged, unreadable) is not used: the
/// last good one goes on answering, or without one there is no answer,
/// and `problem` says why (`gatehousectl breach status` shows it). A
/// damaged filter must not stop every password change and reset, nor is
/// it tried again at every request.
public final class BreachFilterReader: @unchecked Sendable {
    package let path: String
    private var mapped: Mapping?
    /// The file last found unusable, and why.
    private var refused: (identity: (UInt64, UInt64, Int64), error: Error)?
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    struct Mapping {
        let base: UnsafeRawPointer
        let size: Int
        let identity: (UInt64, UInt64, Int64)
        let bits: Int
        let keys: UInt64
        let shards: [(BinaryFuseFilter.Layout, Int)]
    }

    package init(path: String) {
        self.path = path
        pthread_mutex_init(lock, nil)
    }

    deinit {
        if let m = mapped { munmap(UnsafeMutableRawPointer(mutating: m.base), m.size) }
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Whether the corpus has the password whose SHA-1 key this is; nil
    /// when there is no filter (none imported yet).
    package func contains(_ key: UInt64) throws -> Bool? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let m = try current() else { return nil }
        return Self.lookUp(key, in: m)
    }

    static func lookUp(_ key: UInt64, in m: Mapping) -> Bool {
        let (layout, offset) = m.shards[BreachFilterFile.shard(key, bits: m.bits)]
        return BinaryFuseFilter.contains(key, layout: layout) { i in
            UInt16(littleEndian: m.base.loadUnaligned(fromByteOffset: offset + 2 * Int(i), as: UInt16.self))
        }
    }

    /// A filter read from bytes in memory and `keys` looked up in it: what
    /// a damaged or hostile file can do to a reader (the fuzz target).
    public static func lookUp(_ keys: [UInt64], inFilterBytes bytes: [UInt8]) throws -> [Bool] {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count >= BreachFilterFile.headerSize else {
                throw BreachFilterFile.Corrupt(description: "too short")
            }
            let m = try read(base, size: raw.count, identity: (0, 0, 0), path: "bytes")
            return keys.map { lookUp($0, in: m) }
        }
    }

    /// The number of passwords in the filter, nil without one; throws
    /// when the file there cannot be used.
    package func keyCount() throws -> UInt64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let m = try current()
        if let refused { throw refused.error }
        return m?.keys
    }

    static func identity(_ st: stat) -> (UInt64, UInt64, Int64) {
        (UInt64(st.st_dev), UInt64(st.st_ino), Int64(st.st_mtim.tv_nsec) ^ Int64(st.st_size))
    }

    private func current() throws -> Mapping? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return mapped }
            throw SystemCallError(operation: "stat", path: path, code: errno)
        }
        let identity = Self.identity(st)
        if let m = mapped, m.identity == identity { return m }
        if let refused, refused.identity == identity { return mapped }
        do {
            let fresh = try map()
            if let old = mapped { munmap(UnsafeMutableRawPointer(mutating: old.base), old.size) }
            mapped = fresh
            refused = nil
        } catch {
            refused = (identity, error)
        }
        return mapped
    }

    private func map() throws -> Mapping {
        let fd = try Posix.open(path, O_RDONLY)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemCallError(operation: "fstat", path: path, code: errno) }
        // The identity of the file opened, which the path may no longer name.
        let identity = Self.identity(st)
        let size = Int(st.st_size)
        guard size >= BreachFilterFile.headerSize else { throw BreachFilterFile.Corrupt(description: "\(path): too short") }
        guard let raw = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), raw != MAP_FAILED else {
            throw SystemCallError(operation: "mmap", path: path, code: errno)
        }
        let base = UnsafeRawPointer(raw)
        do {
            return try Self.read(base, size: size, identity: identity, path: path)
        } catch {
            munmap(raw, size)
            throw error
        }
    }

    /// Every offset and length checked against the file's size, so that a
    /// damaged file is refused instead of read past its end.
    static func read(_ base: UnsafeRawPointer, size: Int, identity: (UInt64, UInt64, Int64), path: String) throws -> Mapping {
        let bad = { (why: String) in BreachFilterFile.Corrupt(description: "\(path): \(why) (import the corpus again)") }
        let u32 = { (at: Int) in UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        let u64 = { (at: Int) in UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == BreachFilterFile.magic else { throw bad("not a filter file") }
        guard u32(8) == 1 else { throw bad("an unknown version") }
        let bits = Int(u32(12))
        guard bits <= 16 else { throw bad("too many shards") }
        let count = 1 << bits
        guard BreachFilterFile.headerSize + count * BreachFilterFile.entrySize <= size else { throw bad("cut short") }
        var shards = [(BinaryFuseFilter.Layout, Int)]()
        for s in 0..<count {
            let at = BreachFilterFile.headerSize + s * BreachFilterFile.entrySize
            let layout = BinaryFuseFilter.Layout(seed: u64(at), segmentLength: u32(at + 8), segmentCountLength: u32(at + 12),
                                                 arrayLength: u32(at + 16))
            let offset = u64(at + 24)
            guard layout.isSound, offset % 2 == 0, offset <= UInt64(size),
                  UInt64(size) - offset >= 2 * UInt64(layout.arrayLength) else { throw bad("shard \(s) is damaged") }
            shards.append((layout, Int(offset)))
        }
        return Mapping(base: base, size: size, identity: identity, bits: bits, keys: u64(16), shards: shards)
    }
}
