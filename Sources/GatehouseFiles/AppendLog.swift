#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// An append-only log of lines (the audit log). Each write reopens the file,
/// so after logrotate moves it the next line starts a fresh one; O_APPEND
/// plus an exclusive flock keeps lines from different processes whole.
package struct AppendLog: Sendable {
    package let path: String
    package let reserve: DiskReserve

    package init(path: String, reserve: DiskReserve = .none) {
        self.path = path
        self.reserve = reserve
    }

    /// Refused (the caller logs it) when the file system is down to its reserve.
    package func append(_ line: String) throws {
        try reserve.ensureRoom(at: Posix.dirname(of: path))
        let fd = try Posix.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        defer { close(fd) }
        try Posix.lock(fd, LOCK_EX, path: path)
        try Posix.writeAll(fd, Array((line + "\n").utf8), path: path)
    }
}
