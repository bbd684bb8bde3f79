#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// Membership in a large sorted text file (one entry per line, sorted
/// bytewise) by binary search with pread: a lookup reads about log2(n)
/// small chunks, never the whole list, and nothing is loaded at start-up.
package struct SortedLineFile: Sendable {
    package let path: String

    /// Fails at start-up, not at the first request, when the file is missing.
    package init(path: String) throws {
        guard access(path, R_OK) == 0 else { throw SystemCallError(operation: "open", path: path, code: errno) }
        self.path = path
    }

    package func contains(_ line: String) throws -> Bool {
        let key = Array(line.utf8)
        if key.isEmpty || key.contains(0x0A) { return false }
        let fd = try Posix.open(path, O_RDONLY)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemCallError(operation: "fstat", path: path, code: errno) }
        // Invariant: `lo` is the start of a line; lines starting in [lo, hi) are unexamined.
        var lo = 0, hi = Int(st.st_size)
        while lo < hi {
            let mid = (lo + hi) / 2
            let start = mid == lo ? lo : try nextLineStart(fd, after: mid)
            if start >= hi {
                hi = mid
                continue
            }
            let entry = try readLine(fd, at: start)
            if entry.lexicographicallyPrecedes(key) {
                lo = start + entry.count + 1
            } else if entry == key {
                return true
            } else {
                hi = start
            }
        }
        return false
    }

    func chunk(_ fd: Int32, at offset: Int, count: Int = 1024) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        let n = buf.withUnsafeMutableBytes { b in Posix.retryRW { pread(fd, b.baseAddress, count, off_t(offset)) } }
        if n < 0 { throw SystemCallError(operation: "pread", path: path, code: errno) }
        return Array(buf[0..<n])
    }

    /// The first line start at or after `pos` (pos > 0).
    func nextLineStart(_ fd: Int32, after pos: Int) throws -> Int {
        var offset = pos - 1
        while true {
            let c = try chunk(fd, at: offset)
            if c.isEmpty { return Int.max }
            if let nl = c.firstIndex(of: 0x0A) { return offset + nl + 1 }
            offset += c.count
        }
    }

    func readLine(_ fd: Int32, at start: Int) throws -> [UInt8] {
        var line = [UInt8]()
        var offset = start
        while true {
            let c = try chunk(fd, at: offset)
            if c.isEmpty { return line }
            if let nl = c.firstIndex(of: 0x0A) { return line + c[..<nl] }
            line += c
            offset += c.count
        }
    }
}

