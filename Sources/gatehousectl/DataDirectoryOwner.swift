#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// Every file in the data directory must belong to the user the responders
/// run as: one that root created (`sudo gatehousectl user add …`) would be
/// unwritable for them, and a whole shard of accounts would fail with 500.
/// So root becomes the directory's owner before touching it, and any other
/// user who is not the owner is refused.
enum DataDirectoryOwner {
    static func become(of dataDir: String) throws {
        var st = stat()
        guard stat(dataDir, &st) == 0 else { return }  // not created yet: `init` makes it as whoever runs it
        let me = geteuid()
        if st.st_uid == me { return }
        guard me == 0 else {
            Console.error("\(dataDir) belongs to uid \(st.st_uid); run gatehousectl as that user")
            throw Exit.wrongUser
        }
        guard setgroups(0, nil) == 0, setgid(st.st_gid) == 0, setuid(st.st_uid) == 0 else {
            Console.error("cannot become uid \(st.st_uid), the owner of \(dataDir)")
            throw Exit.wrongUser
        }
    }
}
