#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseSystem

/// Which sessions an account has, for the person's own list of them: an
/// empty marker file per session under the account,
///
///     <root>/user-sessions/ab/cd/<user id>/<session id>
///
/// made when a session opens. A hint, never the truth: the session's own
/// record decides whether it lives (a marker whose session is gone is
/// removed when the list is read, and by gc), and ending sessions never
/// depends on it (the account's epoch ends them all). So it is written
/// without fsync, and a marker lost in a crash only leaves one session
/// out of the list. Sessions opened before the index existed are not
/// listed until they end.
extension FlatFileStore {
    func userSessionsDirectory(_ userID: String) throws -> String {
        // The same shards as the account's own record (the id checked there).
        let shard = try path(.users, userID).dir.dropFirst(root.utf8.count + "/users/".utf8.count)
        return "\(root)/user-sessions/\(shard)/\(userID)"
    }

    func addToUserIndex(_ session: SessionRecord) throws {
        let dir = try userSessionsDirectory(session.userID)
        let marker = dir + "/" + session.id
        let fd: Int32
        do {
            fd = try Posix.open(marker, O_WRONLY | O_CREAT)
        } catch let e as SystemCallError where e.code == ENOENT {
            try Posix.makeDirectories(dir)
            fd = try Posix.open(marker, O_WRONLY | O_CREAT)
        }
        close(fd)
    }

    package func sessions(ofUser userID: String) throws -> [SessionRecord] {
        let dir = try userSessionsDirectory(userID)
        var found = [SessionRecord]()
        for name in Posix.list(dir) where !name.hasPrefix(".") {
            let session: SessionRecord?
            do {
                session = try loadSession(name)
            } catch StoreError.badKey {
                session = nil  // not a session id: a stray file, removed as a stale marker is
            }
            if let s = session, s.userID == userID {
                found.append(s)
            } else {
                _ = try? Posix.unlinkIfExists(dir + "/" + name)
            }
        }
        return found
    }

    /// gc: markers whose session is gone, and accounts' directories left empty.
    func pruneUserIndex() throws {
        let base = root + "/user-sessions"
        for a in Posix.list(base) where isShardName(a) {
            for b in Posix.list("\(base)/\(a)") where isShardName(b) {
                // A directory not named by an account id is no one's: skipped,
                // never a reason to stop gc before the codes and counters.
                for user in Posix.list("\(base)/\(a)/\(b)") where !user.hasPrefix(".") {
                    guard (try? userSessionsDirectory(user)) != nil else { continue }
                    _ = try sessions(ofUser: user)
                    rmdir("\(base)/\(a)/\(b)/\(user)")  // only if empty
                }
            }
        }
    }
}
