#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// Space and inodes kept free on the data directory's file system for
/// what a flood of requests can make Gatehouse append without bound: the
/// audit log. (Counters live in a table of fixed size, and codes for made-up
/// addresses are bounded by the send limits and expire.) Inside the reserve
/// an audit line goes to the error log instead of the file, so nothing a
/// flood makes Gatehouse write can fill the disk and stop sign-in, and the
/// trail is never silent.
package struct DiskReserve: Sendable {
    package let bytes: UInt64
    package let inodes: UInt64

    package init(bytes: UInt64 = 0, inodes: UInt64 = 0) {
        self.bytes = bytes
        self.inodes = inodes
    }

    package static let none = DiskReserve()

    package struct Reached: Error, CustomStringConvertible {
        package let path: String
        package var description: String {
            "\(path): the file system is down to its reserve (data_dir_reserve_mib, data_dir_reserve_inodes)"
        }
    }

    /// Throws `Reached` when `path`'s file system is down to its reserve.
    /// One statvfs: called only before something is appended.
    package func ensureRoom(at path: String) throws(Reached) {
        guard bytes > 0 || inodes > 0 else { return }
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return }  // cannot tell: do not refuse
        let free = UInt64(s.f_bavail) * UInt64(s.f_frsize)
        // Some file systems report no inode limit at all (f_files == 0).
        if free < bytes || (s.f_files > 0 && UInt64(s.f_favail) < inodes) { throw Reached(path: path) }
    }
}
