#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// Replace-by-rename, the only way a record file changes (counters aside).
/// A crash at any instant leaves the old file or the new one, plus at worst
/// a stray `*.tmp-*` that fsck reports and removes.
package enum AtomicFile {
    package static let tempMarker = ".tmp-"

    /// `durable`: fsync the data before the rename and the directory after,
    /// so the change survives a power cut. Without it the change is still
    /// atomic, just possibly lost (fine for a last-seen time).
    package static func write(_ bytes: [UInt8], to path: String, durable: Bool) throws {
        let (temp, fd) = try createTemporary(beside: path)
        var open = true
        do {
            try Posix.writeAll(fd, bytes, path: temp)
            if durable { try Posix.fsync(fd, path: temp) }
            close(fd)
            open = false
            try Posix.rename(temp, path)
        } catch {
            if open { close(fd) }
            _ = try? Posix.unlinkIfExists(temp)
            throw error
        }
        if durable { try Posix.fsyncDirectory(Posix.dirname(of: path)) }
    }

    /// `<path>.tmp-<pid>-<random>`, created exclusively. The random part
    /// matters: a crash leaves its temporary behind, and a later process
    /// with the same pid (the norm for a restarted worker in a container)
    /// must not fail every write of that record on it.
    package static func createTemporary(beside path: String) throws -> (String, Int32) {
        var attempt = 0
        while true {
            let salt = UInt64.random(in: .min ... .max)
            let temp = path + tempMarker + String(getpid()) + "-" + String(salt, radix: 36)
            do {
                return (temp, try Posix.open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600))
            } catch let e as SystemCallError where e.code == EEXIST && attempt < 8 {
                attempt += 1
            }
        }
    }

    /// Durable removal: the directory entry's disappearance is fsync'd too,
    /// so a revoked session cannot come back after a power cut.
    package static func remove(_ path: String) throws -> Bool {
        guard try Posix.unlinkIfExists(path) else { return false }
        try Posix.fsyncDirectory(Posix.dirname(of: path))
        return true
    }
}
