import GatehouseSystem

/// The account records the core decides on. Each store adapter keeps them
/// in its own form (text files, table rows); the core sees only these.

/// An account. `id` is the keyed hash of the normalised e-mail address, so a
/// lookup by address is one file open whatever the number of users.
package struct UserRecord: Equatable, Sendable {
    /// Why an account is locked. A lock for failed sign-ins is lifted by a
    /// password reset through an e-mailed code; an administrator's lock only
    /// by the administrator.
    package enum Lock: String, Sendable {
        case none = "no"
        case admin = "yes"
        case failures
    }

    package var id: String
    /// Parsed once, where it came in (a request, a command, a stored record).
    package var email: EmailAddress
    package var passwordHash: String
    package var created: Int64
    package var passwordChanged: Int64
    package var lock: Lock
    package var emailVerified: Bool
    /// Sessions carry the epoch they were opened under; bumping it revokes
    /// every session of the user in one write.
    package var sessionEpoch: Int
    /// Random, made when the account is created. Sessions and grants carry
    /// it, so an address deleted and added again never revives one: the id
    /// (a hash of the address) and the epoch repeat, this does not.
    package var generation: String
    /// The session that changed the password: it lives on under the epoch
    /// the change bumped, with no second write that a parallel request could
    /// see half done. Cleared by any other revocation.
    package var survivingSession: String
    /// The authenticator app and the recovery codes; empty when none.
    package var secondFactor = SecondFactor()
    /// The account's passkeys, and the random user handle they were made
    /// for (base64url; "" until the first): never the address or the id.
    package var passkeys: [Passkey] = []
    package var passkeyHandle = ""
    /// A change of address the old address may still undo: "EXPIRES
    /// ADDRESS" (the first address of changes made within the window), or
    /// "" (`EmailChange.swift`).
    package var emailUndo = ""
    /// Leaving (`AccountDeletion.swift`): 0, or when the account asked to
    /// be deleted goes for good; `purging` once a purge has begun, which
    /// nothing undoes.
    package var deleteAfter: Int64 = 0
    package static let purging: Int64 = -1
    /// The devices (a keyed hash of client network and browser family)
    /// the account signed in from, and when last (`NewDevice.swift`).
    package var knownDevices: [KnownDevice] = []

    package var locked: Bool { lock != .none }
    /// Asked to be deleted: it signs in nowhere until restored.
    package var leaving: Bool { deleteAfter != 0 }

    package init(id: String, email: EmailAddress, passwordHash: String, created: Int64,
                passwordChanged: Int64? = nil, lock: Lock = .none, emailVerified: Bool = false,
                sessionEpoch: Int = 0, generation: String = "", survivingSession: String = "",
                secondFactor: SecondFactor = SecondFactor(), passkeys: [Passkey] = [], passkeyHandle: String = "",
                emailUndo: String = "", deleteAfter: Int64 = 0, knownDevices: [KnownDevice] = []) {
        self.knownDevices = knownDevices
        self.emailUndo = emailUndo
        self.deleteAfter = deleteAfter
        self.passkeys = passkeys
        self.passkeyHandle = passkeyHandle
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
        self.secondFactor = secondFactor
    }
}

/// A device an account signed in from: a keyed hash (hex) of its client
/// network and browser family, never either itself, and when it last did.
package struct KnownDevice: Equatable, Sendable {
    package var key: String
    package var lastSeen: Int64

    package init(key: String, lastSeen: Int64) {
        self.key = key
        self.lastSeen = lastSeen
    }

    /// As both stores keep them: `key.lastSeen` entries, `;` between.
    package static func listText(_ list: [KnownDevice]) -> String {
        list.map { "\($0.key).\($0.lastSeen)" }.joined(separator: ";")
    }

    /// nil when the text is not such a list.
    package static func list(_ text: String) -> [KnownDevice]? {
        guard !text.isEmpty else { return [] }
        var out = [KnownDevice]()
        for entry in text.split(separator: ";") {
            let f = entry.split(separator: ".")
            guard f.count == 2, !f[0].isEmpty, let seen = Int64(f[1]) else { return nil }
            out.append(KnownDevice(key: String(f[0]), lastSeen: seen))
        }
        return out
    }
}

/// An account's second factor, kept in its user record so that every
/// decision on it (a time step used, a recovery code spent) is taken under
/// the account's own lock.
package struct SecondFactor: Equatable, Sendable {
    /// The TOTP secret once a code from the app confirmed it, sealed with
    /// the server key (base64url); "" when none.
    package var totpSecret = ""
    /// A secret shown for enrolment and not yet confirmed, sealed; "" when none.
    package var pendingSecret = ""
    /// The last time step a code was accepted for: neither it nor an earlier
    /// one is accepted again.
    package var lastStep: Int64 = 0
    /// The recovery codes' Argon2id hashes, one per slot; "" for a slot
    /// whose code was used.
    package var recoveryCodes: [String] = []

    package var enabled: Bool { !totpSecret.isEmpty }
    package var recoveryCodesLeft: Int { recoveryCodes.filter { !$0.isEmpty }.count }

    /// The slots as both stores keep them: `;`-separated (an Argon2id hash
    /// holds commas), a used slot empty.
    package static func slotsText(_ slots: [String]) -> String { slots.joined(separator: ";") }

    package static func slots(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    }

    package init(totpSecret: String = "", pendingSecret: String = "", lastStep: Int64 = 0, recoveryCodes: [String] = []) {
        self.totpSecret = totpSecret
        self.pendingSecret = pendingSecret
        self.lastStep = lastStep
        self.recoveryCodes = recoveryCodes
    }
}

/// A passkey (a WebAuthn credential) of an account: what its ceremonies
/// need (the id, the COSE key as the authenticator sent it, the signature
/// counter) and what its owner sees (a name, when it was made and used).
package struct Passkey: Equatable, Sendable {
    /// The credential id, base64url.
    package var id: String
    /// The COSE public key, base64url.
    package var publicKey: String
    package var signCount: UInt32
    package var name: String
    package var created: Int64
    package var lastUsed: Int64
    /// The user was verified (PIN, biometrics) when it was made.
    package var userVerified: Bool
    /// A synced passkey (backup eligible), which may report a zero counter.
    package var backupEligible: Bool

    package init(id: String, publicKey: String, signCount: UInt32 = 0, name: String, created: Int64, lastUsed: Int64 = 0,
                 userVerified: Bool = false, backupEligible: Bool = false) {
        self.id = id
        self.publicKey = publicKey
        self.signCount = signCount
        self.name = name
        self.created = created
        self.lastUsed = lastUsed
        self.userVerified = userVerified
        self.backupEligible = backupEligible
    }

    /// The list as both stores keep it: `;` between passkeys, `.` between
    /// fields (base64url and digits hold neither), the name base64url.
    package static func listText(_ list: [Passkey]) -> String {
        list.map { p in
            [p.id, p.publicKey, String(p.signCount), String(p.created), String(p.lastUsed),
             (p.userVerified ? "v" : "") + (p.backupEligible ? "b" : ""), Base64.url(Array(p.name.utf8))].joined(separator: ".")
        }.joined(separator: ";")
    }

    /// nil when the text is not such a list.
    package static func list(_ text: String) -> [Passkey]? {
        guard !text.isEmpty else { return [] }
        var out = [Passkey]()
        for entry in text.split(separator: ";") {
            let f = entry.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7, !f[0].isEmpty, !f[1].isEmpty, let count = UInt32(f[2]), let created = Int64(f[3]),
                  let used = Int64(f[4]), let name = Base64.decodeURL(f[6]) else { return nil }
            out.append(Passkey(id: f[0], publicKey: f[1], signCount: count, name: String(decoding: name, as: UTF8.self),
                               created: created, lastUsed: used, userVerified: f[5].contains("v"), backupEligible: f[5].contains("b")))
        }
        return out
    }
}

/// A signed-in session. `id` is the keyed hash of the bearer token; the
/// token itself is never stored.
package struct SessionRecord: Equatable, Sendable {
    package var id: String
    package var userID: String
    package var created: Int64
    package var lastSeen: Int64
    package var epoch: Int
    /// The account generation it was opened for (`UserRecord.generation`).
    package var generation: String
    /// When the session last proved possession of an e-mailed code (0: never).
    package var otpVerifiedAt: Int64
    package var clientIP: String
    /// `session` (signed in), `reset` (a password-reset grant, good only
    /// for change-password, once) or `second_step` (the right password
    /// given, the second factor still to come: good for nothing else).
    package var kind: Kind
    /// How this session was proved, in order: the password or an e-mailed
    /// code, then a second factor if one was used.
    package var factors: [AuthFactor]
    /// When the password (and the second factor, if the account has one)
    /// was last proved in this session: its sign-in, or a later /reauth.
    /// The step-up window counts from here.
    package var reauthAt: Int64
    /// Wrong second-factor codes against a `second_step` ticket.
    package var tries: Int
    /// The browser family it was opened from (Firefox, Chrome, curl…),
    /// for the person's list of sessions; never the whole User-Agent.
    package var browser: String

    package enum Kind: String, Sendable { case session, reset, secondStep = "second_step" }

    package init(id: String, userID: String, created: Int64, lastSeen: Int64, epoch: Int, generation: String = "",
                otpVerifiedAt: Int64 = 0, clientIP: String = "", kind: Kind = .session, factors: [AuthFactor] = [],
                reauthAt: Int64 = 0, tries: Int = 0, browser: String = "") {
        self.id = id
        self.userID = userID
        self.created = created
        self.lastSeen = lastSeen
        self.epoch = epoch
        self.generation = generation
        self.otpVerifiedAt = otpVerifiedAt
        self.clientIP = clientIP
        self.kind = kind
        self.factors = factors
        self.reauthAt = reauthAt
        self.tries = tries
        self.browser = browser
    }

    /// Whether a second factor was proved in this session.
    package var usedSecondFactor: Bool { factors.contains { $0.isSecondFactor } }
}

/// What a session was proved with.
package enum AuthFactor: String, Sendable, CaseIterable {
    case password
    /// An e-mailed sign-in code (purpose=login).
    case emailCode = "email_code"
    case totp
    case recoveryCode = "recovery_code"
    /// A passkey: with user verification, sign-in without a password; or
    /// the second step after one.
    case passkey

    package var isSecondFactor: Bool { self == .totp || self == .recoveryCode || self == .passkey }

    /// Comma-separated, as both stores keep them; unknown names are
    /// dropped (a newer release's factor read by an older one).
    package static func list(_ text: String) -> [AuthFactor] {
        text.split(separator: ",").compactMap { AuthFactor(rawValue: String($0)) }
    }

    package static func text(_ factors: [AuthFactor]) -> String {
        factors.map(\.rawValue).joined(separator: ",")
    }
}

/// An e-mailed one-time code. One per user and purpose (a new code replaces
/// the old); only a keyed hash of the code is stored.
package struct CodeRecord: Equatable, Sendable {
    package var id: String
    package var userID: String
    package var purpose: String
    package var codeHash: String
    package var created: Int64
    package var expires: Int64
    /// Wrong guesses against this code.
    package var tries: Int
    /// What the code completes once verified: a sign-up's password hash
    /// (the account is made only then); "" for every other purpose.
    package var payload: String

    package init(id: String, userID: String, purpose: String, codeHash: String, created: Int64, expires: Int64, tries: Int = 0,
                 payload: String = "") {
        self.payload = payload
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
///
/// `holdUntil` and `expires` say how long the counter matters, for a store
/// of bounded size that must choose what to forget (the policies set them
/// as they change the counter): until `holdUntil` it still refuses
/// something and must not be forgotten; after `expires` it means nothing.
/// 0 for `expires` means "not said": a day after `last`.
package struct CounterRecord: Equatable, Sendable {
    package var count: Int
    package var last: Int64
    package var until: Int64
    package var holdUntil: Int64
    package var expires: Int64

    package init(count: Int = 0, last: Int64 = 0, until: Int64 = 0, holdUntil: Int64 = 0, expires: Int64 = 0) {
        self.count = count
        self.last = last
        self.until = until
        self.holdUntil = holdUntil
        self.expires = expires
    }

    /// Whether nothing is lost by forgetting it now.
    package func isExpired(now: Int64) -> Bool {
        (expires > 0 ? expires : last + 86_400) <= now
    }
}
