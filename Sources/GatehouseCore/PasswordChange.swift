import GatehouseCrypto
import GatehouseSystem

extension Accounts {
    /// The policy every new password passes (docs/security.md): length (in code
    /// points after NFC), not on a blocklist, not containing the address's
    /// local part, not the current password. Reasons are for a person.
    package func checkPasswordPolicy(_ text: PasswordText, for user: UserRecord) throws {
        try checkPasswordPolicy(text, address: user.email, currentHash: user.passwordHash, field: "new_password")
    }

    /// The same for a password with no account yet (sign-up): `currentHash` nil.
    func checkPasswordPolicy(_ text: PasswordText, address: EmailAddress, currentHash: String?, field: String) throws {
        do {
            try checkNewPassword(text)
        } catch AccountError.invalidField(_, let reason) {
            throw AccountError.invalidField(field: field, reason: reason)
        }
        let lowered = text.normalized.lowercased()
        for list in blocklists where try list.contains(lowered) {
            throw AccountError.invalidField(field: field, reason: "this password is too common; choose one that is harder to guess")
        }
        try checkNotBreached(text, field: field)
        let local = address.localPart.lowercased()
        // A one- or two-letter local part would forbid half the alphabet.
        if local.count >= 3 && lowered.contains(local) {
            throw AccountError.invalidField(field: field, reason: "the password must not contain your e-mail address")
        }
        if let currentHash, case .match = hasher.check(text.normalized, against: currentHash) {
            throw AccountError.invalidField(field: field, reason: "the new password must differ from the current one")
        }
    }

    /// change-password. With an ordinary session the old password must
    /// verify, counted like a sign-in guess before it is checked (back-off,
    /// client budget, lock); with a reset grant it is not asked for, and the
    /// grant is consumed before the change is written. The write itself is
    /// a compare-and-swap: it lands only if the account still has the hash
    /// that was verified and the session is still live, so a change that
    /// lost a race is refused (409), never a silent overwrite. On success,
    /// in one durable write: the new hash, every other session revoked (the
    /// one that made the change survives), a lock for failed sign-ins lifted
    /// when the change came through an e-mailed code; then outstanding codes
    /// invalidated, the notice mail queued, the audit line.
    package func changePassword(_ auth: Authenticated, old: String?, new: String, clientIP: String,
                                 language: @autoclosure @escaping @Sendable () -> String = "") throws {
        let now = clock.now()
        let user = auth.user
        let viaReset = auth.session.kind == .reset
        if !viaReset {
            // The old password is a fresh proof of the first factor; with a
            // second factor enrolled, that one must be recent in this session
            // too (the step-up window). Without one nothing changes: the
            // original's clients keep working.
            if user.secondFactor.enabled { try requireRecentAuthentication(auth) }
            let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: clientIP, now: now) }
            guard case .match = hasher.check(PasswordText(old ?? "").normalized, against: user.passwordHash) else {
                audit.record("password_change_failed", at: now, user: user.email, ip: clientIP)
                try signInFailed(attempt, user: user, clientIP: clientIP, now: now)
                throw AccountError.wrongPassword
            }
            try signInSucceeded(attempt, now: now)
            if policy.stepUpWindow > 0 && now - auth.session.otpVerifiedAt > Int64(policy.stepUpWindow) {
                throw AccountError.stepUpRequired
            }
        }
        let text = PasswordText(new)
        try checkPasswordPolicy(text, for: user)
        let hash = try hasher.hash(text.normalized)

        if viaReset {
            // Consumed before it is honoured: of N parallel uses, one deletes it.
            guard try store.deleteSession(auth.session.id) else { throw AccountError.notAuthenticated }
        }
        var unlocked = false
        do {
            try store.updateUser(user.id) { current in
                guard current.passwordHash == user.passwordHash, isLive(auth.session, user: current, now: now) else {
                    throw AccountError.changedMeanwhile
                }
                current.passwordHash = hash
                current.passwordChanged = now
                current.revokeSessions()
                if !viaReset { current.survivingSession = auth.session.id }
                if viaReset && current.lock == .failures {
                    current.lock = .none
                    unlocked = true
                }
            }
        } catch StoreError.notFound {
            throw AccountError.notAuthenticated
        }
        if unlocked {
            try store.resetCounter(signInAccountCounter(user.email.description))
            audit.record("account_unlocked", at: now, user: user.email, ip: clientIP, [("method", .string("reset"))])
        }
        try invalidateCodes(of: user.id)
        notify(user, "password-changed", client: ClientInfo(ip: clientIP, language: language()), now: now)
        audit.record("password_changed", at: now, user: user.email, ip: clientIP,
                     [("method", .string(viaReset ? "reset" : "old_password"))])
    }
}
