#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// An append-only log of lines (the audit log). The file stays open across
/// lines; before each, a stat of the path says whether logrotate has moved
/// it, and a moved or removed file is left to its new name and a fresh one
/// begun. One write(2) per line with O_APPEND: on a local file system the
/// kernel appends it whole, so lines from many processes never interleave.
package final class AppendLog: @unchecked Sendable {
    package let path: String
    package let reserve: DiskReserve
    /// Used by one thread at a time, as every Gatehouse process does.
    private var fd: Int32 = -1
    private var inode: (dev: UInt64, ino: UInt64) = (0, 0)

    package init(path: String, reserve: DiskReserve = .none) {
        self.path = path
        self.reserve = reserve
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Refused (the caller logs it) when the file system is down to its reserve.
    package func append(_ line: String) throws {
        try reserve.ensureRoom(at: Posix.dirname(of: path))
        try Posix.writeAll(try current(), Array((line + "\n").utf8), path: path)
    }

    /// Every whole line of the log as it is now, oldest first, read in
    /// blocks (the log may be large): for a person's export of the lines
    /// about them. A log not written yet has none.
    package func forEachLine(_ body: (ArraySlice<UInt8>) -> Void) throws {
        guard let fd = try Posix.openIfExists(path, O_RDONLY) else { return }
        defer { close(fd) }
        var pending = [UInt8]()
        while true {
            let (bytes, eof) = FileDescriptor.read(fd, upTo: 1 << 16)
            pending += bytes
            var start = pending.startIndex
            while let nl = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                body(pending[start..<nl])
                start = nl + 1
            }
            pending.removeSubrange(..<start)
            if eof { return }
        }
    }

    /// The open log, reopened when the path no longer names the file held.
    private func current() throws -> Int32 {
        var st = stat()
        if fd >= 0, stat(path, &st) == 0, (UInt64(st.st_dev), UInt64(st.st_ino)) == inode { return fd }
        if fd >= 0 { close(fd) }
        fd = -1
        let opened = try Posix.open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fstat(opened, &st) == 0 else {
            close(opened)
            throw SystemCallError(operation: "fstat", path: path, code: errno)
        }
        fd = opened
        inode = (UInt64(st.st_dev), UInt64(st.st_ino))
        return fd
    }
}
