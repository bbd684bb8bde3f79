/// What the account core needs from storage, owned by the core: the
/// flat-file store is one adapter of these, a networked back end
/// (PostgreSQL) another.
/// Every `update` is a locked read-modify-write: no lost update under any
/// interleaving of processes.
package protocol UserStore: Sendable {
    func loadUser(_ id: String) throws -> UserRecord?
    /// Throws `StoreError.exists` when the id is taken.
    func insertUser(_ user: UserRecord) throws
    /// Durable. Throws `StoreError.notFound` when there is no such user.
    @discardableResult
    func updateUser(_ id: String, _ change: (inout UserRecord) throws -> Void) throws -> UserRecord
    @discardableResult
    func deleteUser(_ id: String) throws -> Bool
    func allUsers() throws -> [UserRecord]
}

package protocol SessionStore: Sendable {
    func loadSession(_ id: String) throws -> SessionRecord?
    func insertSession(_ session: SessionRecord) throws
    /// `durable: false` for loss-tolerant changes (last-seen time). Returns
    /// nil when the session is gone; `change` returning false deletes it.
    @discardableResult
    func updateSession(_ id: String, durable: Bool, _ change: (inout SessionRecord) throws -> Bool) throws -> SessionRecord?
    @discardableResult
    func deleteSession(_ id: String) throws -> Bool
    func allSessions() throws -> [SessionRecord]
    /// The session and the account it belongs to, read together: what every
    /// signed-in request needs first (one round trip on a database). nil
    /// when there is no such session.
    func loadSessionWithUser(_ id: String) throws -> SessionWithUser?
    /// The sessions of one account (signed-in sessions; tickets and grants
    /// may be left out), for the person's own list; any order.
    func sessions(ofUser userID: String) throws -> [SessionRecord]
}

/// What a read-modify-write did.
package enum Updated<R: Sendable>: Sendable {
    /// There was no record; no call of `change` counts.
    case missing
    /// The last call of `change` removed it.
    case removed
    /// The last call of `change` kept it, as it is now.
    case kept(R)

    package var record: R? {
        if case .kept(let r) = self { return r }
        return nil
    }
}

/// A session and its account (nil when the account is gone).
package struct SessionWithUser: Sendable {
    package let session: SessionRecord
    package let user: UserRecord?

    package init(session: SessionRecord, user: UserRecord?) {
        self.session = session
        self.user = user
    }
}

extension SessionStore where Self: UserStore {
    /// Two reads, where two reads cost no round trip.
    package func loadSessionWithUser(_ id: String) throws -> SessionWithUser? {
        guard let session = try loadSession(id) else { return nil }
        return SessionWithUser(session: session, user: try loadUser(session.userID))
    }
}

/// One-time codes: durable (a code must not come back after it was used).
package protocol CodeStore: Sendable {
    func loadCode(_ id: String) throws -> CodeRecord?
    /// Creates or replaces.
    func putCode(_ code: CodeRecord) throws
    /// Read-modify-write as one decision; `change` returning false deletes
    /// the code. A store deciding by compare-and-swap calls `change` again
    /// when the code changed meanwhile: only the last call counts, and with
    /// `.missing` none does (the code was gone when it was decided), so a
    /// caller keeps nothing from a call but what the result confirms.
    @discardableResult
    func updateCode(_ id: String, _ change: (inout CodeRecord) throws -> Bool) throws -> Updated<CodeRecord>
    @discardableResult
    func deleteCode(_ id: String) throws -> Bool
    func allCodes() throws -> [CodeRecord]
}

/// Hot, small, loss-tolerant state: no fsync, no rename.
package protocol CounterStore: Sendable {
    func readCounter(_ id: String) throws -> CounterRecord
    @discardableResult
    func updateCounter(_ id: String, _ change: (inout CounterRecord) -> Void) throws -> CounterRecord
    /// Back to zero (a success clears a failure count).
    func resetCounter(_ id: String) throws
    /// Changes an existing counter under its lock, and removes it there if
    /// the change leaves it `empty`: a guess given back that counted
    /// nothing leaves nothing on disk (a flood of guesses at addresses with
    /// no code must not leave a file each). A missing counter stays missing.
    func updateExistingCounter(_ id: String, removingIf empty: (CounterRecord) -> Bool,
                               _ change: (inout CounterRecord) -> Void) throws
}

/// The site-wide indexes in which a key belongs to one account at most.
package enum AccountIndexName: String, CaseIterable, Sendable {
    /// Credential ids: a credential is registered to one account (WebAuthn
    /// §7.1 step 26), and a sign-in without a password finds its account.
    case passkeys
    /// Addresses: one account per address, found by it; an account's id
    /// stays when its address changes.
    case addresses
}

/// Which account a key belongs to, per index. Keys are the core's keyed
/// hashes (of a credential id, of an address), fixed-length.
package protocol AccountIndex: Sendable {
    /// The account `key` belongs to; nil when none.
    func owner(in index: AccountIndexName, _ key: String) throws -> String?
    /// Gives `key` to `userID` as one decision: true when it was free (or
    /// already this account's), false when another account holds it.
    func claim(in index: AccountIndexName, _ key: String, for userID: String) throws -> Bool
    /// Frees `key` if `userID` holds it.
    func release(in index: AccountIndexName, _ key: String, of userID: String) throws
}

/// Small per-installation files: the server key, the dummy password hash.
/// Written once, read on every start.
package protocol ServerFileStore: Sendable {
    func loadServerFile(_ name: String) throws -> [UInt8]?
    func saveServerFile(_ name: String, _ bytes: [UInt8]) throws
}

/// What gc removed.
package struct GCReport: Equatable, Sendable {
    package var sessions = 0
    package var codes = 0
    package var counters = 0
    /// Accounts deleted for good, their grace over.
    package var accounts = 0

    package init(sessions: Int = 0, codes: Int = 0, counters: Int = 0) {
        self.sessions = sessions
        self.codes = codes
        self.counters = counters
    }
}

/// Housekeeping (gatehousectl gc): the store walks its records and removes
/// those the core judges dead, each decided under the record's lock (or in
/// its transaction), so a record replaced meanwhile is never removed on the
/// strength of its predecessor.
package protocol StoreMaintenance: Sendable {
    func collectGarbage(sessionDead: (SessionRecord) -> Bool, codeDead: (CodeRecord) -> Bool,
                        counterDead: (CounterRecord) -> Bool) throws -> GCReport
}

package typealias AccountStore = UserStore & SessionStore & CodeStore & CounterStore & ServerFileStore & AccountIndex

package enum StoreError: Error, Equatable, CustomStringConvertible {
    case exists
    case notFound
    case badKey(String)
    case corrupt(path: String, reason: String)
    case notInitialized(String)
    /// The store cannot be reached now (a database server down); worth
    /// retrying, and answered 503 with Retry-After.
    case unavailable(String)
    /// The store's schema is older than this program (a database not yet
    /// migrated).
    case schemaBehind(String)
    /// A database statement failed (not for want of a connection).
    case database(String)

    package var description: String {
        switch self {
        case .exists: return "record already exists"
        case .notFound: return "no such record"
        case .badKey(let k): return "invalid record key \(k)"
        case .corrupt(let path, let reason): return "corrupt record \(path): \(reason)"
        case .notInitialized(let dir): return "\(dir) is not a Gatehouse data directory (run `gatehousectl init`)"
        case .unavailable(let why): return "store unavailable: \(why)"
        case .schemaBehind(let why): return why
        case .database(let why): return "database: \(why)"
        }
    }
}
