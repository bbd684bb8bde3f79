#if canImport(Glibc)
import Glibc
#endif

/// Standard streams and sockets, where a failed write means the reader went
/// away: EINTR-safe, and silent on EPIPE, since a client that left is
/// harmless.
public enum FileDescriptor {
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        _ = try? Posix.writeAll(fd, bytes, path: "fd \(fd)")
    }

    package static func read(_ fd: Int32, upTo limit: Int) -> (bytes: [UInt8], eof: Bool) {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 16384)
        while out.count < limit {
            let want = min(buf.count, limit - out.count)
            let n = buf.withUnsafeMutableBytes { b in Posix.retryRW { Glibc.read(fd, b.baseAddress, want) } }
            if n <= 0 { return (out, true) }
            out += buf[0..<n]
        }
        return (out, false)
    }
}
