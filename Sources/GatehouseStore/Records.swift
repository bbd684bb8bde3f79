/// An account. `id` is the keyed hash of the normalised e-mail address, so a
/// lookup by address is one file open whatever the number of users.
public struct UserRecord: Equatable, Sendable {
    /// Why an account is locked. A lock for failed sign-ins is lifted by a
    /// password reset through an e-mailed code; an administrator's lock only
    /// by the administrator.
    public enum Lock: String, Sendable {
        case none = "no"
        case admin = "yes"
        case failures
    }

    public var id: String
    public var email: String
    public var passwordHash: String
    public var created: Int64
    public var passwordChanged: Int64
    public var lock: Lock
    public var emailVerified: Bool
    /// Sessions carry the epoch they were opened under; bumping it revokes
    /// every session of the user in one write.
    public var sessionEpoch: Int
    /// Random, made when the account is created. Sessions and grants carry
    /// it, so an address deleted and added again never revives one: the id
    /// (a hash of the address) and the epoch repeat, this does not.
    public var generation: String
    /// The session that changed the password: it lives on under the epoch
    /// the change bumped, with no second write that a parallel request could
    /// see half done. Cleared by any other revocation.
    public var survivingSession: String

    public var locked: Bool { lock != .none }

    public init(id: String, email: String, passwordHash: String, created: Int64,
                passwordChanged: Int64? = nil, lock: Lock = .none, emailVerified: Bool = false,
                sessionEpoch: Int = 0, generation: String = "", survivingSession: String = "") {
        self.id = id
        self.email = email
        self.passwordHash = passwordHash
        self.created = created
        self.passwordChanged = passwordChanged ?? created
        self.lock = lock
        self.emailVerified = emailVerified
        self.sessionEpoch = sessionEpoch
        self.generation = generation
        self.survivingSession = survivingSession
    }
}

/// A signed-in session. `id` is the keyed hash of the bearer token; the
/// token itself is never stored.
public struct SessionRecord: Equatable, Sendable {
    public var id: String
    public var userID: String
    public var created: Int64
    public var lastSeen: Int64
    public var epoch: Int
    /// The account generation it was opened for (`UserRecord.generation`).
    public var generation: String
    /// When the session last proved possession of an e-mailed code (0: never).
    public var otpVerifiedAt: Int64
    public var clientIP: String
    /// `session` (signed in) or `reset` (a password-reset grant, good only
    /// for change-password, once).
    public var kind: Kind

    public enum Kind: String, Sendable { case session, reset }

    public init(id: String, userID: String, created: Int64, lastSeen: Int64, epoch: Int, generation: String = "",
                otpVerifiedAt: Int64 = 0, clientIP: String = "", kind: Kind = .session) {
        self.id = id
        self.userID = userID
        self.created = created
        self.lastSeen = lastSeen
        self.epoch = epoch
        self.generation = generation
        self.otpVerifiedAt = otpVerifiedAt
        self.clientIP = clientIP
        self.kind = kind
    }
}

/// An e-mailed one-time code. One per user and purpose (a new code replaces
/// the old); only a keyed hash of the code is stored.
public struct CodeRecord: Equatable, Sendable {
    public var id: String
    public var userID: String
    public var purpose: String
    public var codeHash: String
    public var created: Int64
    public var expires: Int64
    /// Wrong guesses against this code.
    public var tries: Int

    public init(id: String, userID: String, purpose: String, codeHash: String, created: Int64, expires: Int64, tries: Int = 0) {
        self.id = id
        self.userID = userID
        self.purpose = purpose
        self.codeHash = codeHash
        self.created = created
        self.expires = expires
        self.tries = tries
    }
}

/// Loss-tolerant counter (failed tries, rate limits): consecutive failures,
/// the time of the last one, and an optional block-until time.
public struct CounterRecord: Equatable, Sendable {
    public var count: Int
    public var last: Int64
    public var until: Int64

    public init(count: Int = 0, last: Int64 = 0, until: Int64 = 0) {
        self.count = count
        self.last = last
        self.until = until
    }
}

/// Conversions between typed records and their text. Unknown keys are kept
/// out of the typed view but a missing required key is an error: fsck and
/// readers agree on what a valid record is.
enum RecordCodec {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func text(_ u: UserRecord) -> RecordText {
        RecordText(kind: "user", fields: [
            ("id", u.id), ("email", u.email), ("password", u.passwordHash),
            ("created", "\(u.created)"), ("password_changed", "\(u.passwordChanged)"),
            ("locked", u.lock.rawValue), ("email_verified", u.emailVerified ? "yes" : "no"),
            ("session_epoch", "\(u.sessionEpoch)"), ("generation", u.generation),
            ("surviving_session", u.survivingSession),
        ])
    }

    static func user(_ r: RecordText) throws -> UserRecord {
        UserRecord(id: try string(r, "id"), email: try string(r, "email"), passwordHash: try string(r, "password"),
                   created: try int(r, "created"), passwordChanged: try int(r, "password_changed"),
                   lock: try UserRecord.Lock(rawValue: string(r, "locked"))
                    ?? { throw Invalid(description: "field locked is not yes, no or failures") }(),
                   emailVerified: try bool(r, "email_verified"), sessionEpoch: Int(try int(r, "session_epoch")),
                   // Records written before these fields existed read as "".
                   generation: r["generation"] ?? "", survivingSession: r["surviving_session"] ?? "")
    }

    static func text(_ s: SessionRecord) -> RecordText {
        RecordText(kind: "session", fields: [
            ("id", s.id), ("user", s.userID), ("created", "\(s.created)"), ("last_seen", "\(s.lastSeen)"),
            ("epoch", "\(s.epoch)"), ("generation", s.generation), ("otp_verified_at", "\(s.otpVerifiedAt)"), ("client_ip", s.clientIP),
            ("kind", s.kind.rawValue),
        ])
    }

    static func text(_ c: CodeRecord) -> RecordText {
        RecordText(kind: "code", fields: [
            ("id", c.id), ("user", c.userID), ("purpose", c.purpose), ("code_hash", c.codeHash),
            ("created", "\(c.created)"), ("expires", "\(c.expires)"), ("tries", "\(c.tries)"),
        ])
    }

    static func code(_ r: RecordText) throws -> CodeRecord {
        CodeRecord(id: try string(r, "id"), userID: try string(r, "user"), purpose: try string(r, "purpose"),
                   codeHash: try string(r, "code_hash"), created: try int(r, "created"), expires: try int(r, "expires"),
                   tries: Int(try int(r, "tries")))
    }

    static func session(_ r: RecordText) throws -> SessionRecord {
        SessionRecord(id: try string(r, "id"), userID: try string(r, "user"), created: try int(r, "created"),
                      lastSeen: try int(r, "last_seen"), epoch: Int(try int(r, "epoch")), generation: r["generation"] ?? "",
                      otpVerifiedAt: try int(r, "otp_verified_at"), clientIP: r["client_ip"] ?? "",
                      kind: try SessionRecord.Kind(rawValue: r["kind"] ?? "session")
                        ?? { throw Invalid(description: "unknown session kind") }())
    }

    /// Counters are rewritten in place with pwrite, so their text has a fixed
    /// width: a shorter rewrite would leave the tail of the longer one.
    static func counterBytes(_ c: CounterRecord) -> [UInt8] {
        Array("gatehouse-counter 1\ncount: \(pad(Int64(c.count), 10))\nlast: \(pad(c.last, 20))\nuntil: \(pad(c.until, 20))\n".utf8)
    }

    static let counterLength = counterBytes(CounterRecord()).count

    static func counter(_ bytes: [UInt8]) throws -> CounterRecord {
        let r = try RecordText.parse(bytes, kind: "counter")
        return CounterRecord(count: Int(try int(r, "count")), last: try int(r, "last"), until: try int(r, "until"))
    }

    private static func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(max(0, n))
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private static func string(_ r: RecordText, _ key: String) throws -> String {
        guard let v = r[key] else { throw Invalid(description: "missing field \(key)") }
        return v
    }

    private static func int(_ r: RecordText, _ key: String) throws -> Int64 {
        guard let v = Int64(try string(r, key)) else { throw Invalid(description: "field \(key) is not a number") }
        return v
    }

    private static func bool(_ r: RecordText, _ key: String) throws -> Bool {
        switch try string(r, key) {
        case "yes": return true
        case "no": return false
        default: throw Invalid(description: "field \(key) is not yes/no")
        }
    }
}

/// What the flat-file store needs to know of a record type: where it lives,
/// its header kind, and its text both ways.
protocol StoredRecord {
    static var collection: FlatFileStore.Collection { get }
    static var kind: String { get }
    var id: String { get }
    var text: RecordText { get }
    init(_ text: RecordText) throws
}

extension UserRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.users
    static let kind = "user"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.user(text) }
}

extension SessionRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.sessions
    static let kind = "session"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.session(text) }
}

extension CodeRecord: StoredRecord {
    static let collection = FlatFileStore.Collection.codes
    static let kind = "code"
    var text: RecordText { RecordCodec.text(self) }
    init(_ text: RecordText) throws { self = try RecordCodec.code(text) }
}
