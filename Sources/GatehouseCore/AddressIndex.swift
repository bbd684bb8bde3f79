import GatehouseCrypto
import GatehouseSystem

/// Which account an address belongs to. An account's id is its own for
/// life (random since the index came; for accounts made before it, the
/// keyed hash of their first address), so that the address can change;
/// the store's index of addresses finds the account by its address and
/// makes an address one account's at most, decided by a claim.
extension Accounts {
    /// The index's key for an address: a keyed hash, so that no file name
    /// or row reveals it. It is what an account's id was before the index,
    /// so a store written then is indexed without changing an id.
    package func addressKey(_ email: EmailAddress) -> String { Self.addressKey(email, keys: keys) }

    package static func addressKey(_ email: EmailAddress, keys: KeyedHasher) -> String { keys.hex(email.description, domain: "user") }

    /// The account that has `email` now; nil when none. An account made
    /// before the index and not yet indexed (`gatehousectl db migrate`
    /// does them all) is found under its old id and indexed on the way.
    package func accountID(for email: EmailAddress) throws -> String? {
        let key = addressKey(email)
        if let id = try store.owner(in: .addresses, key) { return id }
        guard let legacy = try store.loadUser(key), legacy.email == email, legacy.deleteAfter != UserRecord.purging else { return nil }
        return try store.claim(in: .addresses, key, for: key) ? key : store.owner(in: .addresses, key)
    }

    /// `accountID(for:)`, or `userNotFound`.
    /// The record must have the address too: a claim left by a change cut
    /// short never makes an administrator's command act on another account.
    func existingAccountID(for email: EmailAddress) throws -> String {
        guard let user = try findUser(email) else { throw AccountError.userNotFound }
        return user.id
    }

    package func findUser(_ email: EmailAddress) throws -> UserRecord? {
        guard let id = try accountID(for: email), let user = try store.loadUser(id), user.email == email else { return nil }
        return user
    }

    /// A new account under a random id, its address claimed once the
    /// record exists (PostgreSQL's index refers to the row): of two made
    /// at once for one address, one gets it and the other's record goes.
    func insertAccount(_ user: UserRecord) throws {
        // The claim decides; this only spares a record written in vain.
        guard try findUser(user.email) == nil else { throw AccountError.userExists }
        do {
            try store.insertUser(user)
        } catch StoreError.exists {
            throw AccountError.userExists
        }
        guard try claimAddress(user.email, for: user.id) else {
            try store.deleteUser(user.id)
            throw AccountError.userExists
        }
    }

    /// The address claimed for `uid`. A claim whose account has no record
    /// at all (left by a removal cut short) is no one's: it is freed and
    /// claimed again. A claim whose account exists is never taken over,
    /// even if its record does not have the address yet: that account may
    /// be in the middle of a change to it.
    func claimAddress(_ email: EmailAddress, for uid: String) throws -> Bool {
        let key = addressKey(email)
        if try store.claim(in: .addresses, key, for: uid) { return true }
        guard let holder = try store.owner(in: .addresses, key), holder != uid, try store.loadUser(holder) == nil else { return false }
        try store.release(in: .addresses, key, of: holder)
        return try store.claim(in: .addresses, key, for: uid)
    }

    func newAccountID() -> String { Hex.encode(random.bytes(32)) }

    /// Indexes every account's address (`gatehousectl db migrate`): safe
    /// to run again, and beside a running site. The accounts indexed now,
    /// and the addresses another account holds in the index already.
    package func indexAddresses() throws -> (indexed: Int, conflicts: [EmailAddress]) {
        var indexed = 0
        var conflicts = [EmailAddress]()
        for u in try store.allUsers() {
            let key = addressKey(u.email)
            if try store.owner(in: .addresses, key) == u.id { continue }
            if try store.claim(in: .addresses, key, for: u.id) { indexed += 1 } else { conflicts.append(u.email) }
        }
        return (indexed, conflicts)
    }
}
