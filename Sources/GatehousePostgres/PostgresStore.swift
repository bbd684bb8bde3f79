import GatehouseCore

/// The store for sites beyond one machine: every responder and gatehousectl
/// of every web server use one PostgreSQL database through libpq. Each
/// decision the core takes under a lock is one transaction here: the row
/// is read `FOR UPDATE`, the core's closure decides on it, the row is
/// written or deleted, then COMMIT. Deletes that must have one winner
/// (a grant consumed) are one `DELETE … RETURNING`.
/// `@unchecked Sendable` for the reason its Connection is.
package final class PostgresStore: AccountStore, @unchecked Sendable {
    let connection: Connection

    /// Connects (libpq connection string: `host=/run/postgresql dbname=gatehouse`).
    package init(conninfo: String) throws {
        connection = try Connection(conninfo: conninfo)
    }

    /// The locked read-modify-write every update goes through, in one
    /// transaction: the row read FOR UPDATE, the core's closure deciding on
    /// it, then the row written, or deleted when `change` returns false.
    /// nil when there is no such row (or it was deleted).
    func modify<R>(_ table: String, columns: String, id: String, decode: ([String?]) throws -> R,
                   change: (inout R) throws -> Bool, write: (R) throws -> Void) throws -> R? {
        try connection.transaction {
            guard let row = try connection.query("SELECT \(columns) FROM \(table) WHERE id = $1 FOR UPDATE", [id]).first else {
                return nil
            }
            var record = try decode(row)
            guard try change(&record) else {
                try connection.query("DELETE FROM \(table) WHERE id = $1", [id])
                return nil
            }
            try write(record)
            return record
        }
    }

    // MARK: users

    static let userColumns = "id, email, password_hash, created, password_changed, locked, email_verified, session_epoch, generation, surviving_session, totp_secret, totp_pending, totp_last_step, recovery_codes, passkeys, passkey_handle, email_undo, delete_after, known_devices"

    func user(_ row: [String?]) throws -> UserRecord {
        let v = { (i: Int) throws in try column(row, i, of: "gatehouse_users") }
        guard let lock = UserRecord.Lock(rawValue: try v(5)) else {
            throw StoreError.corrupt(path: "gatehouse_users", reason: "locked is not yes, no or failures")
        }
        guard let email = try? EmailAddress.parse(try v(1)).get() else {
            throw StoreError.corrupt(path: "gatehouse_users", reason: "email is not an e-mail address")
        }
        return UserRecord(id: try v(0), email: email, passwordHash: try v(2), created: try int64(v(3)),
                          passwordChanged: try int64(v(4)), lock: lock, emailVerified: try v(6) == "t",
                          sessionEpoch: Int(try int64(v(7))), generation: try v(8), survivingSession: try v(9),
                          secondFactor: SecondFactor(totpSecret: try v(10), pendingSecret: try v(11), lastStep: try int64(v(12)),
                                                     recoveryCodes: SecondFactor.slots(try v(13))),
                          passkeys: try Passkey.list(try v(14))
                            ?? { throw StoreError.corrupt(path: "gatehouse_users", reason: "passkeys is not a list of passkeys") }(),
                          passkeyHandle: try v(15), emailUndo: try v(16), deleteAfter: try int64(v(17)),
                          knownDevices: try KnownDevice.list(try v(18))
                            ?? { throw StoreError.corrupt(path: "gatehouse_users", reason: "known_devices is not a list of devices") }())
    }

    func values(_ u: UserRecord) -> [String?] {
        [u.id, u.email.description, u.passwordHash, String(u.created), String(u.passwordChanged), u.lock.rawValue,
         u.emailVerified ? "t" : "f", String(u.sessionEpoch), u.generation, u.survivingSession, u.secondFactor.totpSecret,
         u.secondFactor.pendingSecret, String(u.secondFactor.lastStep), SecondFactor.slotsText(u.secondFactor.recoveryCodes),
         Passkey.listText(u.passkeys), u.passkeyHandle, u.emailUndo, String(u.deleteAfter),
         KnownDevice.listText(u.knownDevices)]
    }

    package func loadUser(_ id: String) throws -> UserRecord? {
        try connection.query("SELECT \(Self.userColumns) FROM gatehouse_users WHERE id = $1", [id]).first.map(user)
    }

    package func insertUser(_ u: UserRecord) throws {
        try connection.query("INSERT INTO gatehouse_users (\(Self.userColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                             values(u))
    }

    @discardableResult
    package func updateUser(_ id: String, _ change: (inout UserRecord) throws -> Void) throws -> UserRecord {
        guard let u = try modify("gatehouse_users", columns: Self.userColumns, id: id, decode: user,
                                 change: { try change(&$0); return true }, write: { u in
            try connection.query("""
                UPDATE gatehouse_users SET email = $2, password_hash = $3, created = $4, password_changed = $5, locked = $6,
                    email_verified = $7, session_epoch = $8, generation = $9, surviving_session = $10,
                    totp_secret = $11, totp_pending = $12, totp_last_step = $13, recovery_codes = $14, passkeys = $15,
                    passkey_handle = $16, email_undo = $17, delete_after = $18, known_devices = $19 WHERE id = $1
                """, values(u))
        }) else { throw StoreError.notFound }
        return u
    }

    @discardableResult
    package func deleteUser(_ id: String) throws -> Bool {
        !(try connection.query("DELETE FROM gatehouse_users WHERE id = $1 RETURNING id", [id]).isEmpty)
    }

    package func allUsers() throws -> [UserRecord] {
        try connection.query("SELECT \(Self.userColumns) FROM gatehouse_users ORDER BY email").map(user)
    }

    // MARK: indexes

    /// gatehouse_passkeys, gatehouse_addresses: (id, user_id), the account's
    /// rows going with it (ON DELETE CASCADE).
    static func table(_ index: AccountIndexName) -> String { "gatehouse_" + index.rawValue }

    package func owner(in index: AccountIndexName, _ key: String) throws -> String? {
        try connection.query("SELECT user_id FROM \(Self.table(index)) WHERE id = $1", [key]).first?[0] ?? nil
    }

    /// The insert decides: it wins, or the row already there says whose it
    /// is.
    package func claim(in index: AccountIndexName, _ key: String, for userID: String) throws -> Bool {
        let t = Self.table(index)
        let rows = try connection.query("""
            WITH claimed AS (INSERT INTO \(t) (id, user_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING user_id)
            SELECT user_id FROM claimed UNION ALL SELECT user_id FROM \(t) WHERE id = $1
            """, [key, userID])
        // A claim committed by another transaction while this insert waited
        // is not in this statement's snapshot: neither part returns a row,
        // and a second statement reads it.
        guard let held = rows.first else { return try owner(in: index, key) == userID }
        return held[0] == userID
    }

    package func release(in index: AccountIndexName, _ key: String, of userID: String) throws {
        try connection.query("DELETE FROM \(Self.table(index)) WHERE id = $1 AND user_id = $2", [key, userID])
    }

    // MARK: sessions

    static let sessionColumns = "id, user_id, created, last_seen, epoch, generation, otp_verified_at, client_ip, kind, factors, reauth_at, tries, browser"

    func session(_ row: [String?]) throws -> SessionRecord {
        let v = { (i: Int) throws in try column(row, i, of: "gatehouse_sessions") }
        guard let kind = SessionRecord.Kind(rawValue: try v(8)) else {
            throw StoreError.corrupt(path: "gatehouse_sessions", reason: "unknown session kind")
        }
        return SessionRecord(id: try v(0), userID: try v(1), created: try int64(v(2)), lastSeen: try int64(v(3)),
                             epoch: Int(try int64(v(4))), generation: try v(5), otpVerifiedAt: try int64(v(6)),
                             clientIP: try v(7), kind: kind, factors: AuthFactor.list(try v(9)), reauthAt: try int64(v(10)),
                             tries: Int(try int64(v(11))), browser: try v(12))
    }

    func values(_ s: SessionRecord) -> [String?] {
        [s.id, s.userID, String(s.created), String(s.lastSeen), String(s.epoch), s.generation, String(s.otpVerifiedAt),
         s.clientIP, s.kind.rawValue, AuthFactor.text(s.factors), String(s.reauthAt), String(s.tries), s.browser]
    }

    package func loadSession(_ id: String) throws -> SessionRecord? {
        try connection.query("SELECT \(Self.sessionColumns) FROM gatehouse_sessions WHERE id = $1", [id]).first.map(session)
    }

    static func qualified(_ prefix: String, _ columns: String) -> String {
        columns.split(separator: ",").map { prefix + $0.drop(while: { $0 == " " }) }.joined(separator: ", ")
    }

    static let sessionWithUser = """
        SELECT \(qualified("s.", sessionColumns)), \(qualified("u.", userColumns))
        FROM gatehouse_sessions s LEFT JOIN gatehouse_users u ON u.id = s.user_id WHERE s.id = $1
        """

    /// One round trip: the session joined to its account.
    package func loadSessionWithUser(_ id: String) throws -> SessionWithUser? {
        guard let row = try connection.query(Self.sessionWithUser, [id]).first else { return nil }
        let width = Self.sessionColumns.split(separator: ",").count
        return SessionWithUser(session: try session(Array(row[..<width])),
                               user: row[width] == nil ? nil : try user(Array(row[width...])))
    }

    package func insertSession(_ s: SessionRecord) throws {
        try connection.query("INSERT INTO gatehouse_sessions (\(Self.sessionColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                             values(s))
    }

    /// `durable` makes no difference here: every commit is durable.
    @discardableResult
    package func updateSession(_ id: String, durable: Bool, _ change: (inout SessionRecord) throws -> Bool) throws -> SessionRecord? {
        try modify("gatehouse_sessions", columns: Self.sessionColumns, id: id, decode: session, change: change) { s in
            try connection.query("""
                UPDATE gatehouse_sessions SET user_id = $2, created = $3, last_seen = $4, epoch = $5, generation = $6,
                    otp_verified_at = $7, client_ip = $8, kind = $9, factors = $10, reauth_at = $11, tries = $12,
                    browser = $13 WHERE id = $1
                """, values(s))
        }
    }

    @discardableResult
    package func deleteSession(_ id: String) throws -> Bool {
        !(try connection.query("DELETE FROM gatehouse_sessions WHERE id = $1 RETURNING id", [id]).isEmpty)
    }

    package func sessions(ofUser userID: String) throws -> [SessionRecord] {
        try connection.query("SELECT \(Self.sessionColumns) FROM gatehouse_sessions WHERE user_id = $1", [userID]).map(session)
    }

    package func allSessions() throws -> [SessionRecord] {
        try connection.query("SELECT \(Self.sessionColumns) FROM gatehouse_sessions ORDER BY id").map(session)
    }

    // MARK: codes

    static let codeColumns = "id, user_id, purpose, code_hash, created, expires, tries, payload"

    func code(_ row: [String?]) throws -> CodeRecord {
        let v = { (i: Int) throws in try column(row, i, of: "gatehouse_codes") }
        return CodeRecord(id: try v(0), userID: try v(1), purpose: try v(2), codeHash: try v(3), created: try int64(v(4)),
                          expires: try int64(v(5)), tries: Int(try int64(v(6))), payload: try v(7))
    }

    func values(_ c: CodeRecord) -> [String?] {
        [c.id, c.userID, c.purpose, c.codeHash, String(c.created), String(c.expires), String(c.tries), c.payload]
    }

    package func loadCode(_ id: String) throws -> CodeRecord? {
        try connection.query("SELECT \(Self.codeColumns) FROM gatehouse_codes WHERE id = $1", [id]).first.map(code)
    }

    package func putCode(_ c: CodeRecord) throws {
        try connection.query("""
            INSERT INTO gatehouse_codes (\(Self.codeColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (id) DO UPDATE SET user_id = $2, purpose = $3, code_hash = $4, created = $5, expires = $6, tries = $7,
                payload = $8
            """, values(c))
    }

    /// A guess at a code, decided by compare-and-swap (`swap`): a missing
    /// code costs one round trip, a wrong or a right one two. Consuming is
    /// a DELETE of the very row that was judged, so of two right guesses
    /// only one deletes it.
    @discardableResult
    package func updateCode(_ id: String, _ change: (inout CodeRecord) throws -> Bool) throws -> Updated<CodeRecord> {
        let unchanged = "id = $1 AND user_id = $2 AND purpose = $3 AND code_hash = $4 AND created = $5 AND expires = $6 AND tries = $7 AND payload = $8"
        return try swap(read: { try loadCode(id) }, change: change) { before, after, keep in
            keep ? ("UPDATE gatehouse_codes SET tries = $9 WHERE \(unchanged) RETURNING id", values(before) + [String(after.tries)])
                 : ("DELETE FROM gatehouse_codes WHERE \(unchanged) RETURNING id", values(before))
        }
    }

    /// The decision on one row in two round trips instead of a
    /// transaction's four (BEGIN, SELECT … FOR UPDATE, the write, COMMIT):
    /// the row is read, `change` decides on it, and the write (`write`: a
    /// statement and its parameters) carries a `WHERE` that every column
    /// still holds what was read, so it happens only if no one changed the
    /// row in between; else the row is read and decided again. The
    /// conditional write is atomic in the server, so two deciders can
    /// never both act on one state. A decision that changes nothing writes
    /// nothing (it held when the row was read). Never run twice on a lost
    /// connection: unknown is not yes. `.missing` when the row is gone
    /// by the time of a decision that would have counted.
    func swap<R: Equatable & Sendable>(read: () throws -> R?, change: (inout R) throws -> Bool,
                                       write: (_ before: R, _ after: R, _ keep: Bool) -> (String, [String?])) throws -> Updated<R> {
        while true {
            guard let before = try read() else { return .missing }
            var after = before
            let keep = try change(&after)
            if keep && after == before { return .kept(after) }
            let (sql, params) = write(before, after, keep)
            if !(try connection.query(sql, params, repeatable: false)).isEmpty { return keep ? .kept(after) : .removed }
        }
    }

    @discardableResult
    package func deleteCode(_ id: String) throws -> Bool {
        !(try connection.query("DELETE FROM gatehouse_codes WHERE id = $1 RETURNING id", [id]).isEmpty)
    }

    package func allCodes() throws -> [CodeRecord] {
        try connection.query("SELECT \(Self.codeColumns) FROM gatehouse_codes ORDER BY id").map(code)
    }

    // MARK: counters

    func counter(_ row: [String?]) throws -> CounterRecord {
        CounterRecord(count: Int(try int64(row[0] ?? "0")), last: try int64(row[1] ?? "0"), until: try int64(row[2] ?? "0"))
    }

    package func readCounter(_ id: String) throws -> CounterRecord {
        try connection.query("SELECT count, last, until FROM gatehouse_counters WHERE id = $1", [id]).first.map(counter)
            ?? CounterRecord()
    }

    /// A counter as stored: count, last, until.
    struct StoredCounter: Equatable, Sendable {
        var record: CounterRecord
        /// No row yet: the write inserts one.
        var isNew: Bool

        static func == (a: StoredCounter, b: StoredCounter) -> Bool {
            a.isNew == b.isNew && a.record.count == b.record.count && a.record.last == b.record.last && a.record.until == b.record.until
        }
    }

    func storedCounter(_ id: String) throws -> StoredCounter {
        try connection.query("SELECT count, last, until FROM gatehouse_counters WHERE id = $1", [id]).first
            .map { StoredCounter(record: try counter($0), isNew: false) } ?? StoredCounter(record: CounterRecord(), isNew: true)
    }

    static let counterUnchanged = "id = $1 AND count = $2 AND last = $3 AND until = $4"

    func counterValues(_ id: String, _ c: StoredCounter) -> [String?] {
        [id, String(c.record.count), String(c.record.last), String(c.record.until)]
    }

    /// A budget decided by compare-and-swap (`swap`): two round trips. A
    /// new counter is an INSERT that loses to one inserted meanwhile.
    @discardableResult
    package func updateCounter(_ id: String, _ change: (inout CounterRecord) -> Void) throws -> CounterRecord {
        try swap(read: { try storedCounter(id) }, change: { change(&$0.record); return true }) { before, after, _ in
            before.isNew
                ? ("INSERT INTO gatehouse_counters (id, count, last, until) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id",
                   counterValues(id, after))
                : ("UPDATE gatehouse_counters SET count = $5, last = $6, until = $7 WHERE \(Self.counterUnchanged) RETURNING id",
                   counterValues(id, before) + counterValues(id, after).dropFirst())
        }.record?.record ?? CounterRecord()
    }

    package func updateExistingCounter(_ id: String, removingIf empty: (CounterRecord) -> Bool,
                                      _ change: (inout CounterRecord) -> Void) throws {
        _ = try swap(read: { () throws -> StoredCounter? in
            let c = try storedCounter(id)
            return c.isNew ? nil : c
        }, change: { (c: inout StoredCounter) -> Bool in
            change(&c.record)
            return !empty(c.record)
        }) { before, after, keep in
            keep ? ("UPDATE gatehouse_counters SET count = $5, last = $6, until = $7 WHERE \(Self.counterUnchanged) RETURNING id",
                    counterValues(id, before) + counterValues(id, after).dropFirst())
                 : ("DELETE FROM gatehouse_counters WHERE \(Self.counterUnchanged) RETURNING id", counterValues(id, before))
        }
    }

    package func resetCounter(_ id: String) throws {
        try connection.query("UPDATE gatehouse_counters SET count = 0, last = 0, until = 0 WHERE id = $1", [id])
    }

    // MARK: server files

    package func loadServerFile(_ name: String) throws -> [UInt8]? {
        try connection.query("SELECT content FROM gatehouse_server_files WHERE name = $1", [name]).first?[0]
            .map { Array($0.utf8) }
    }

    package func saveServerFile(_ name: String, _ bytes: [UInt8]) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw StoreError.corrupt(path: "gatehouse_server_files", reason: "\(name) is not text")
        }
        try connection.query("""
            INSERT INTO gatehouse_server_files (name, content) VALUES ($1, $2)
            ON CONFLICT (name) DO UPDATE SET content = EXCLUDED.content
            """, [name, text])
    }
}

/// A column that must not be NULL (the schema says so; a NULL is damage).
func column(_ row: [String?], _ i: Int, of table: String) throws -> String {
    guard let value = row[i] else { throw StoreError.corrupt(path: table, reason: "NULL in column \(i)") }
    return value
}

func int64(_ s: String) throws -> Int64 {
    guard let n = Int64(s) else { throw StoreError.database("\(s) is not a number") }
    return n
}
