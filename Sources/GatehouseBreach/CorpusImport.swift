#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import GatehouseSystem

/// `gatehousectl breach import FILE`: the corpus in its published text
/// form (a `SHA1-HEX:COUNT` line per password, in any order) to a filter
/// file, in bounded memory. First pass: each line's key goes to the file
/// of its shard, in a directory beside the output. Then each shard's keys
/// are read, built into a filter and written out; the finished file
/// replaces the old one by a rename, so a running site switches over at
/// once and never goes without a filter. A line that is not a SHA-1 stops
/// the import with its number, and nothing is replaced.
public enum CorpusImport {
    /// At most about this many keys per shard (the memory of one build:
    /// some 50 bytes a key, 200 MB) up to 2^30 keys; beyond, shards grow.
    static let keysPerShard = 1 << 22
    /// Longer than any corpus line (40 digits, a colon, a count).
    static let longestLine = 4096

    package struct Report: Sendable {
        package let lines: Int
        package let keys: UInt64
        package let bytes: Int
        package let shards: Int
    }

    package struct Refused: Error, CustomStringConvertible {
        package let description: String
    }

    package struct BadLine: Error, CustomStringConvertible {
        package let line: Int
        package var description: String { "line \(line) is not SHA1-HEX:COUNT (40 hexadecimal digits, a colon, a count)" }
    }

    /// Shard bits for a corpus of `size` bytes (a line is some 44 bytes).
    static func shardBits(forBytes size: Int) -> Int {
        var bits = 0
        while bits < 8 && (size / 44) >> bits > keysPerShard { bits += 1 }
        return bits
    }

    /// What the import writes beside the output for a corpus of `size`
    /// bytes: 8 bytes a key in the shards' files, then the filter (some 2.3
    /// a key), a line being some 44 bytes.
    static func spaceNeeded(forBytes size: Int) -> UInt64 {
        UInt64(size / 44) * 11
    }

    /// Refuses to start an import that would leave the output's file
    /// system with less free than `reserve` (the data directory's: the
    /// audit log and the spools live inside it).
    static func ensureSpace(_ needed: UInt64, beside output: String, reserve: DiskReserve) throws {
        var s = statvfs()
        guard statvfs(Posix.dirname(of: output), &s) == 0 else { return }  // cannot tell: go on
        let free = UInt64(s.f_bavail) * UInt64(s.f_frsize)
        guard free >= needed + reserve.bytes else {
            throw Refused(description: "the import needs about \(needed >> 20) MiB free beside \(output), besides the reserve of "
                          + "\(reserve.bytes >> 20) MiB (data_dir_reserve_mib); \(free >> 20) MiB are free")
        }
    }

    /// Work directories and temporary filters of imports that were killed
    /// (`<output>.import-PID`, `<output>.tmp-PID-…`, whose PID is gone):
    /// removed, so that an interrupted import does not keep its gigabytes.
    static func sweepAbandoned(beside output: String) {
        let dir = Posix.dirname(of: output)
        let base = String(output.dropFirst(dir.count + 1))
        for name in Posix.list(dir) {
            let pidText: Substring
            if name.hasPrefix(base + ".import-") {
                pidText = name.dropFirst(base.count + 8)
            } else if name.hasPrefix(base + AtomicFile.tempMarker) {
                pidText = name.dropFirst(base.count + AtomicFile.tempMarker.count).prefix { $0 != "-" }
            } else {
                continue
            }
            guard let pid = pid_t(pidText), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = dir + "/" + name
            for entry in Posix.list(path) { _ = try? Posix.unlinkIfExists(path + "/" + entry) }
            if rmdir(path) != 0 { _ = try? Posix.unlinkIfExists(path) }
        }
    }

    /// `shardBits`: the count of shards as a power of two, chosen from
    /// the corpus's size unless given (a test's). `reserve`: the free
    /// space the import must leave.
    package static func run(corpus: String, into output: String, seed: UInt64 = UInt64.random(in: .min ... .max),
                            shardBits given: Int? = nil, reserve: DiskReserve = .none) throws -> Report {
        let input = try Posix.open(corpus, O_RDONLY)
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0 else { throw SystemCallError(operation: "fstat", path: corpus, code: errno) }
        // Its size chooses the shards, and a pipe has none: unpack a
        // compressed corpus to a file first.
        guard st.st_mode & S_IFMT == S_IFREG else { throw Refused(description: "\(corpus) is not a regular file") }
        let bits = min(given ?? shardBits(forBytes: Int(st.st_size)), 16)
        sweepAbandoned(beside: output)
        try ensureSpace(spaceNeeded(forBytes: Int(st.st_size)), beside: output, reserve: reserve)
        let work = output + ".import-" + String(getpid())
        try Posix.makeDirectories(work)
        defer { for name in Posix.list(work) { _ = try? Posix.unlinkIfExists(work + "/" + name) }; rmdir(work) }

        let lines = try split(input, path: corpus, bits: bits, into: work)
        var seeds = SeedSequence(seed)
        let (temp, fd) = try AtomicFile.createTemporary(beside: output)
        var written: (keys: UInt64, bytes: UInt64)
        do {
            defer { close(fd) }
            written = try write(shards: 1 << bits, bits: bits, from: work, to: fd, path: temp, seeds: &seeds)
            // An empty filter over a good one would turn the check off
            // unseen (a corpus of nothing, or of blank lines).
            guard written.keys > 0 else { throw Refused(description: "\(corpus) holds no passwords; the filter is unchanged") }
            try Posix.fsync(fd, path: temp)
        } catch {
            _ = try? Posix.unlinkIfExists(temp)
            throw error
        }
        do {
            try Posix.rename(temp, output)
        } catch {
            _ = try? Posix.unlinkIfExists(temp)
            throw error
        }
        try Posix.fsyncDirectory(Posix.dirname(of: output))
        return Report(lines: lines, keys: written.keys, bytes: Int(written.bytes), shards: 1 << bits)
    }

    /// Each shard built from its keys' file and its fingerprints written,
    /// after room for the header and table, which come last.
    static func write(shards: Int, bits: Int, from work: String, to fd: Int32, path: String,
                      seeds: inout SeedSequence) throws -> (keys: UInt64, bytes: UInt64) {
        var offset = UInt64(BreachFilterFile.headerSize + shards * BreachFilterFile.entrySize)
        var table = [UInt8]()
        var keys: UInt64 = 0
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw SystemCallError(operation: "lseek", path: path, code: errno) }
        for s in 0..<shards {
            guard let built = BinaryFuseFilter.build(try readKeys(work + "/" + String(s)), seeds: &seeds) else {
                throw BreachFilterFile.Corrupt(description: "shard \(s) could not be built")
            }
            keys += UInt64(built.keys)
            table += BreachFilterFile.entry(built.layout, offset: offset)
            let bytes = built.fingerprints.map(\.littleEndian).withUnsafeBytes { Array($0) }
            try Posix.writeAll(fd, bytes, path: path)
            offset += UInt64(bytes.count)
        }
        try Posix.pwriteAll(fd, BreachFilterFile.header(bits: bits, keys: keys) + table, path: path)
        return (keys, offset)
    }

    /// Reads the corpus in blocks; each line's key is appended to its
    /// shard's file (buffered). The number of lines.
    static func split(_ input: Int32, path: String, bits: Int, into work: String) throws -> Int {
        let shards = 1 << bits
        var buffers = [[UInt8]](repeating: [], count: shards)
        let files = try (0..<shards).map { try Posix.open(work + "/" + String($0), O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        defer { files.forEach { close($0) } }
        func flush(_ s: Int) throws {
            try Posix.writeAll(files[s], buffers[s], path: work)
            buffers[s].removeAll(keepingCapacity: true)
        }
        var line = 0
        func take(_ text: ArraySlice<UInt8>) throws {
            line += 1
            guard let key = try parse(text, line: line) else { return }
            let s = BreachFilterFile.shard(key, bits: bits)
            buffers[s] += BreachFilterFile.le(key)
            if buffers[s].count >= 1 << 16 { try flush(s) }
        }
        var pending = [UInt8]()
        while true {
            let eof = try readBlock(input, path: path, appendingTo: &pending)
            var start = 0
            while let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try take(pending[start..<nl])
                start = nl + 1
            }
            pending.removeSubrange(..<start)
            // A line is some 50 bytes: one with no end in sight is no corpus
            // line, and must not grow without bound.
            if pending.count > Self.longestLine { throw BadLine(line: line + 1) }
            if eof { break }
        }
        if !pending.isEmpty { try take(pending[...]) }
        for s in 0..<shards where !buffers[s].isEmpty { try flush(s) }
        return line
    }

    /// The key of one line: its first 16 hex digits, once the whole line
    /// proved to be 40 hex digits, a colon and a count (a CR before the
    /// newline is allowed; an empty line is skipped).
    public static func parse(_ line: ArraySlice<UInt8>, line number: Int) throws -> UInt64? {
        var text = line
        if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
        if text.isEmpty { return nil }
        guard text.count > 41, text[text.startIndex + 40] == UInt8(ascii: ":"),
              text[(text.startIndex + 41)...].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw BadLine(line: number) }
        var key: UInt64 = 0
        for (i, c) in text.prefix(40).enumerated() {
            guard let v = HexDigits.value(c) else { throw BadLine(line: number) }
            if i < 16 { key = key << 4 | UInt64(v) }
        }
        return key
    }

    /// Up to 1 MiB more into `buffer`, and whether the end was reached; a
    /// read error is an error, never an early end (a corpus cut short
    /// would be imported).
    static func readBlock(_ fd: Int32, path: String, appendingTo buffer: inout [UInt8]) throws -> Bool {
        let block = 1 << 20
        let had = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: block))
        let n = buffer.withUnsafeMutableBytes { b in Posix.retryRW { Glibc.read(fd, b.baseAddress! + had, block) } }
        buffer.removeLast(block - max(n, 0))
        if n < 0 { throw SystemCallError(operation: "read", path: path, code: errno) }
        return n == 0
    }

    static func readKeys(_ path: String) throws -> [UInt64] {
        let fd = try Posix.open(path, O_RDONLY)
        defer { close(fd) }
        let bytes = try Posix.readAll(fd, path: path, limit: Int.max / 2)
        return stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { i in
            bytes[i..<(i + 8)].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
    }
}
