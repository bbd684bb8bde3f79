import GatehouseCrypto
import GatehouseSystem

/// The second factor's decisions (docs/security.md): each is taken inside
/// the account's locked update, on the record it changes, so a time step or
/// a recovery code can win once however many requests present it at once.
extension Accounts {
    /// What an app needs to enrol: the secret (shown as text too) and its
    /// otpauth:// URI (shown as a QR code).
    package struct TOTPEnrolment: Sendable {
        package let secret: String
        package let uri: String
    }

    /// How a second factor was proved.
    package enum SecondFactorProof: Equatable, Sendable {
        case totp
        /// A recovery code, used up; how many are left.
        case recoveryCode(left: Int)
        /// The undo code of a first enrolment: the factor is gone, and
        /// every session of the account has ended.
        case undone
    }

    static let totp = TOTP()
    static let recoveryCodeCount = 10

    var totpBox: SecretBox { SecretBox(keys: keys, purpose: "totp-secret") }

    /// A new secret awaiting a code from the app; replaces one awaiting
    /// before. The second factor in use, if any, stays until a code confirms
    /// the new one.
    package func beginTOTP(_ auth: Authenticated, issuer: String) throws -> TOTPEnrolment {
        try requireRecentAuthentication(auth)
        let user = auth.user
        let secret = random.bytes(20)
        let sealed = Base64.url(totpBox.seal(secret, random: random))
        try updateStillSignedIn(auth) { $0.secondFactor.pendingSecret = sealed }
        return TOTPEnrolment(secret: Base32.encode(secret), uri: Accounts.totp.uri(secret: secret, account: user.email.description, issuer: issuer))
    }

    /// The secret awaiting a code, to show again after a wrong one; nil
    /// when none awaits.
    /// Shown only within the step-up window, as when it was made.
    package func pendingTOTP(_ auth: Authenticated, issuer: String) -> TOTPEnrolment? {
        guard (try? requireRecentAuthentication(auth)) != nil, let secret = openSealed(auth.user.secondFactor.pendingSecret) else { return nil }
        return TOTPEnrolment(secret: Base32.encode(secret),
                             uri: Accounts.totp.uri(secret: secret, account: auth.user.email.description, issuer: issuer))
    }

    /// A code from the app confirms the secret awaiting: it becomes the
    /// account's, its step is used (it cannot sign in too), and ten new
    /// recovery codes replace any earlier set. Returns them, the only time
    /// they are shown. The session that confirmed has proved the factor.
    /// The code is checked on a copy read first, so a wrong one
    /// costs an HMAC and not ten Argon2id hashes; the decision is taken
    /// again on the locked record. The notice carries the undo code
    /// (`SecondFactorUndo.swift`).
    package func confirmTOTP(_ code: String, _ auth: Authenticated, client: ClientInfo) throws -> [String] {
        try requireRecentAuthentication(auth)
        let user = auth.user
        let now = clock.now()
        guard let read = try store.loadUser(user.id), let pending = openSealed(read.secondFactor.pendingSecret),
              try Accounts.totp.acceptedStep(code, secret: pending, at: now, after: read.secondFactor.lastStep) != nil else {
            throw AccountError.invalidSecondFactor
        }
        let (codes, hashes) = try newRecoveryCodes()
        var enrolled: UserRecord?
        try updateStillSignedIn(auth) { u in
            enrolled = nil
            guard u.secondFactor.pendingSecret == read.secondFactor.pendingSecret,
                  let step = try Accounts.totp.acceptedStep(code, secret: pending, at: now, after: u.secondFactor.lastStep) else { return }
            u.secondFactor = SecondFactor(totpSecret: u.secondFactor.pendingSecret, lastStep: step, recoveryCodes: hashes)
            enrolled = u
        }
        guard let enrolled else { throw AccountError.invalidSecondFactor }
        try store.updateSession(auth.session.id, durable: true) { s in
            if !s.factors.contains(.totp) { s.factors.append(.totp) }
            return true
        }
        audit.record("mfa_enabled", at: now, user: user.email, ip: client.ip)
        notify(user, "mfa-enabled", client: client, now: now, ["undo_code": undoCode(for: enrolled, now: now)])
        return codes
    }

    /// Checks a second factor for `userID`: a TOTP code whose step is later
    /// than the last one used, or an unused recovery code, which is then
    /// spent; with `undo`, also the undo code of the latest enrolment, which
    /// removes the factor and ends every session. Decided under the
    /// account's lock: of parallel requests with one code, one succeeds. A
    /// recovery code's slow hash is verified before the lock (one Argon2id
    /// verification, its slot named by the code's first digit), and spent
    /// under it only if its slot still holds the hash that was verified: a
    /// compare-and-swap, so the lock is never held for a password hash's
    /// time. Without `totp` the app's codes are refused unread (the second
    /// factor's own count is at its limit).
    package func proveSecondFactor(_ code: String, userID: String, totp: Bool = true, undo: Bool = false) throws -> SecondFactorProof {
        let now = clock.now()
        let presented = RecoveryCode.normalized(code)
        if let slot = RecoveryCode.slot(of: presented) {
            guard let user = try store.loadUser(userID), user.secondFactor.enabled else { throw AccountError.invalidCode }
            let stored = slot < user.secondFactor.recoveryCodes.count ? user.secondFactor.recoveryCodes[slot] : ""
            // An empty slot costs the same verification as a full one.
            guard case .match = hasher.check(presented, against: stored.isEmpty ? dummyHash : stored), !stored.isEmpty else {
                throw AccountError.invalidCode
            }
            var left: Int?
            try store.updateUser(userID) { u in
                left = nil
                guard slot < u.secondFactor.recoveryCodes.count, u.secondFactor.recoveryCodes[slot] == stored else { return }
                u.secondFactor.recoveryCodes[slot] = ""
                left = u.secondFactor.recoveryCodesLeft
            }
            guard let left else { throw AccountError.invalidCode }
            return .recoveryCode(left: left)
        }
        if Accounts.looksLikeUndoCode(presented) {
            var undone = false
            if undo {
                try store.updateUser(userID) { u in
                    undone = isUndoCode(presented, for: u, now: now)
                    guard undone else { return }
                    u.secondFactor = SecondFactor(lastStep: u.secondFactor.lastStep)
                    u.revokeSessions()
                }
            }
            guard undone else { throw AccountError.invalidCode }
            return .undone
        }
        guard totp else { throw AccountError.invalidCode }
        var proved = false
        try store.updateUser(userID) { u in
            proved = false
            guard let secret = openSealed(u.secondFactor.totpSecret),
                  let step = try Accounts.totp.acceptedStep(presented, secret: secret, at: now, after: u.secondFactor.lastStep) else { return }
            u.secondFactor.lastStep = step
            proved = true
        }
        guard proved else { throw AccountError.invalidCode }
        return .totp
    }

    /// No second factor any more: the secret and the recovery codes go.
    package func disableTOTP(_ auth: Authenticated, client: ClientInfo) throws {
        try requireRecentAuthentication(auth)
        try updateStillSignedIn(auth) { $0.secondFactor = SecondFactor(lastStep: $0.secondFactor.lastStep) }
        let now = clock.now()
        audit.record("mfa_disabled", at: now, user: auth.user.email, ip: client.ip)
        notify(auth.user, "mfa-disabled", client: client, now: now)
    }

    /// The administrator's remedy for a lost device (`gatehousectl user mfa
    /// reset`): no second factor, and every session ends, since whoever
    /// asked may not be the owner. False when there was none.
    package func resetSecondFactor(of email: EmailAddress) throws -> Bool {
        var had = false
        let id = try existingAccountID(for: email)
        do {
            try store.updateUser(id) { u in
                had = u.secondFactor.enabled
                u.secondFactor = SecondFactor(lastStep: u.secondFactor.lastStep)
                u.revokeSessions()
            }
        } catch StoreError.notFound {
            throw AccountError.userNotFound
        }
        try store.resetCounter(secondFactorCounter(id))
        let now = clock.now()
        audit.record("mfa_reset_by_admin", at: now, user: email)
        if let user = try findUser(email) { notify(user, "mfa-reset", client: ClientInfo(ip: "-"), now: now) }
        return had
    }

    /// A change asked for by a session, made only if the session is still
    /// live on the record being changed: a session revoked meanwhile (a
    /// password changed elsewhere) changes nothing, though it passed its
    /// checks on the copy it was authenticated with.
    func updateStillSignedIn(_ auth: Authenticated, _ change: (inout UserRecord) throws -> Void) throws {
        let now = clock.now()
        try store.updateUser(auth.user.id) { u in
            guard isLive(auth.session, user: u, now: now) else { throw AccountError.notAuthenticated }
            // The step-up rule again on the record itself: a factor enrolled
            // meanwhile by another session needs this one to have proved it.
            guard !u.secondFactor.enabled || auth.session.usedSecondFactor else { throw AccountError.reauthenticationRequired }
            try change(&u)
        }
    }

    /// A new set of recovery codes replaces the old one whole.
    package func regenerateRecoveryCodes(_ auth: Authenticated, client: ClientInfo) throws -> [String] {
        try requireRecentAuthentication(auth)
        let user = auth.user
        guard user.secondFactor.enabled else { throw AccountError.secondFactorNotEnabled }
        let (codes, hashes) = try newRecoveryCodes()
        var enrolled = false
        try updateStillSignedIn(auth) { u in
            enrolled = u.secondFactor.enabled
            if enrolled { u.secondFactor.recoveryCodes = hashes }
        }
        guard enrolled else { throw AccountError.secondFactorNotEnabled }
        let now = clock.now()
        audit.record("recovery_codes_regenerated", at: now, user: user.email, ip: client.ip)
        notify(user, "recovery-codes-regenerated", client: client, now: now)
        return codes
    }

    /// Ten codes, `N-xxxxx-xxxxx`: the slot's digit, then ten base32
    /// characters (50 random bits). Under 112 bits, so each is stored as an
    /// Argon2id hash with its own salt (ASVS 5.0 6.5.2), in its slot: a try
    /// costs one verification, not ten.
    func newRecoveryCodes() throws -> (codes: [String], hashes: [String]) {
        let codes = (0..<Accounts.recoveryCodeCount).map { slot in
            let text = Base32.encode(random.bytes(7)).prefix(10).lowercased()
            return "\(slot)-" + text.prefix(5) + "-" + text.suffix(5)
        }
        return (codes, try codes.map { try hasher.hash(RecoveryCode.normalized($0)) })
    }

    func openSealed(_ sealed: String) -> [UInt8]? {
        guard !sealed.isEmpty, let bytes = Base64.decodeURL(sealed) else { return nil }
        return totpBox.open(bytes)
    }
}

/// How a recovery code is read: spaces, dashes and case ignored; the
/// first character names its slot.
enum RecoveryCode {
    static func normalized(_ code: String) -> String {
        code.filter { $0 != " " && $0 != "-" }.lowercased()
    }

    /// The slot of a code shaped like a recovery code (a digit and ten
    /// base32 characters); nil for anything else (a TOTP code).
    static func slot(of normalized: String) -> Int? {
        let u = Array(normalized.utf8)
        guard u.count == 11, (48...57).contains(u[0]),
              u.dropFirst().allSatisfy({ (97...122).contains($0) || (50...55).contains($0) }) else { return nil }
        return Int(u[0] - 48)
    }
}
