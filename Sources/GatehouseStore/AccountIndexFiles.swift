import GatehouseCore
import GatehouseFiles
import GatehouseSystem

/// Which account a passkey or an address belongs to: a small record per key,
///
///     <root>/passkeys/ab/cd/<key>    "passkey" record: id, user
///     <root>/addresses/ab/cd/<key>   "address" record: id, user
///
/// named by the core's keyed hash. A claim is decided under the shard's
/// lock (read, then write if free), so of two accounts claiming one key at
/// once one gets it. Durable: a lost claim would let a second account
/// take the credential or the address.
extension FlatFileStore {
    static func collection(_ index: AccountIndexName) -> Collection {
        switch index {
        case .passkeys: return .passkeys
        case .addresses: return .addresses
        }
    }

    static func claimHeader(_ c: Collection) -> String { c == .passkeys ? "passkey" : "address" }

    package func owner(in index: AccountIndexName, _ key: String) throws -> String? {
        let c = Self.collection(index)
        return try readRecord(try path(c, key).file, kind: Self.claimHeader(c))?["user"]
    }

    package func claim(in index: AccountIndexName, _ key: String, for userID: String) throws -> Bool {
        let c = Self.collection(index)
        let p = try path(c, key)
        return try withLock(p.lock) {
            if let held = try readRecord(p.file, kind: Self.claimHeader(c)) { return held["user"] == userID }
            try Posix.makeDirectories(p.dir)
            try AtomicFile.write(RecordText(kind: Self.claimHeader(c), fields: [("id", key), ("user", userID)]).encoded(),
                                 to: p.file, durable: true)
            return true
        }
    }

    package func release(in index: AccountIndexName, _ key: String, of userID: String) throws {
        let c = Self.collection(index)
        let p = try path(c, key)
        try withLock(p.lock) {
            if try readRecord(p.file, kind: Self.claimHeader(c))?["user"] == userID { _ = try AtomicFile.remove(p.file) }
        }
    }

    /// fsck: a claim names its own key and an account.
    func checkClaim(_ c: Collection, file: String, name: String) throws -> (FsckFinding.Kind, String)? {
        guard let r = try readRecord(file, kind: Self.claimHeader(c)) else { return nil }
        guard r["id"] == name, let user = r["user"], !user.isEmpty else { return (.corrupt, "a claim without its key or account") }
        return nil
    }
}
