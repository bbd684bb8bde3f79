import GatehouseCore
import GatehouseFiles
import GatehouseSystem

/// Which account each passkey belongs to: a small record per credential,
///
///     <root>/passkeys/ab/cd/<key>    "passkey" record: id, user
///
/// named by the core's keyed hash of the credential id. A claim is decided
/// under the shard's lock (read, then write if free), so of two accounts
/// registering one credential at once one gets it. Durable: a lost claim
/// would let a second account register the credential.
extension FlatFileStore {
    static let passkeyHeader = "passkey"

    package func passkeyOwner(_ key: String) throws -> String? {
        try readRecord(try path(.passkeys, key).file, kind: Self.passkeyHeader)?["user"]
    }

    package func claimPasskey(_ key: String, for userID: String) throws -> Bool {
        let p = try path(.passkeys, key)
        return try withLock(p.lock) {
            if let held = try readRecord(p.file, kind: Self.passkeyHeader) { return held["user"] == userID }
            try Posix.makeDirectories(p.dir)
            try AtomicFile.write(RecordText(kind: Self.passkeyHeader, fields: [("id", key), ("user", userID)]).encoded(),
                                 to: p.file, durable: true)
            return true
        }
    }

    package func releasePasskey(_ key: String, of userID: String) throws {
        let p = try path(.passkeys, key)
        try withLock(p.lock) {
            if try readRecord(p.file, kind: Self.passkeyHeader)?["user"] == userID { _ = try AtomicFile.remove(p.file) }
        }
    }

    /// fsck: a claim names its own key and an account.
    func checkPasskeyClaim(file: String, name: String) throws -> (FsckFinding.Kind, String)? {
        guard let r = try readRecord(file, kind: Self.passkeyHeader) else { return nil }
        guard r["id"] == name, let user = r["user"], !user.isEmpty else { return (.corrupt, "a passkey claim without its id or account") }
        return nil
    }
}
