#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseSystem

/// Space and inodes kept free on the data directory's file system. What a
/// flood of unauthenticated requests can make Gatehouse write (a counter
/// per new client network or address, audit lines) stops there: creating
/// a new counter is refused (the request gets 503 and a retry), appending
/// an audit line is skipped with an error in the log. Records that exist
/// keep working (counters are rewritten in place), and `gatehousectl gc`
/// gives the space back as the flood's windows end.
public struct DiskReserve: Sendable {
    public let bytes: UInt64
    public let inodes: UInt64

    public init(bytes: UInt64 = 0, inodes: UInt64 = 0) {
        self.bytes = bytes
        self.inodes = inodes
    }

    public static let none = DiskReserve()

    /// Throws StoreError.unavailable when `path`'s file system is down to
    /// its reserve. One statvfs: called only before something new is made.
    public func ensureRoom(at path: String) throws {
        guard bytes > 0 || inodes > 0 else { return }
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return }  // cannot tell: do not refuse
        let free = UInt64(s.f_bavail) * UInt64(s.f_frsize)
        // Some file systems report no inode limit at all (f_files == 0).
        if free < bytes || (s.f_files > 0 && UInt64(s.f_favail) < inodes) {
            throw StoreError.unavailable("\(path): the file system is down to its reserve (data_dir_reserve_mib, data_dir_reserve_inodes)")
        }
    }
}
