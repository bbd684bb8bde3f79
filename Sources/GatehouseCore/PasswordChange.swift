import GatehouseCrypto
import GatehouseStore

extension Accounts {
    /// The policy every new password passes (docs/security.md): length (in code
    /// points after NFC), not on a blocklist, not containing the address's
    /// local part, not the current password. Reasons are for a person.
    public func checkPasswordPolicy(_ text: PasswordText, for user: UserRecord) throws {
        do {
            try checkNewPassword(text)
        } catch AccountError.invalidField(_, let reason) {
            throw AccountError.invalidField(field: "new_password", reason: reason)
        }
        let lowered = text.normalized.lowercased()
        for list in blocklists where try list.contains(lowered) {
            throw AccountError.invalidField(field: "new_password",
                                            reason: "this password is too common; choose one that is harder to guess")
        }
        let local = String(user.email.split(separator: "@").first ?? "").lowercased()
        // A one- or two-letter local part would forbid half the alphabet.
        if local.count >= 3 && lowered.contains(local) {
            throw AccountError.invalidField(field: "new_password", reason: "the password must not contain your e-mail address")
        }
        if case .match = hasher.check(text.normalized, against: user.passwordHash) {
            throw AccountError.invalidField(field: "new_password", reason: "the new password must differ from the current one")
        }
    }

    /// change-password. With an ordinary session the old password must
    /// verify (wrong ones count toward sign-in throttling); with a reset
    /// grant it is not asked for and the grant is used up. On success, in
    /// this order and durably: the new hash, every other session revoked,
    /// outstanding codes invalidated, the notice mail queued, the audit line.
    public func changePassword(_ auth: Authenticated, old: String?, new: String, clientIP: String) throws {
        let now = clock.now()
        let user = auth.user
        let viaReset = auth.session.kind == .reset
        if !viaReset {
            let t = policy.throttle
            let accountKey = signInAccountCounter(user.email)
            let counter = try store.readCounter(accountKey)
            if let wait = t.retryAfter(counter, now: now) { throw AccountError.throttled(retryAfter: wait) }
            guard case .match = hasher.check(PasswordText(old ?? "").normalized, against: user.passwordHash) else {
                try store.updateCounter(accountKey) { t.recordFailure(&$0, now: now) }
                try store.updateCounter(signInClientCounter(clientIP)) { t.recordFailure(&$0, now: now) }
                audit.record("password_change_failed", at: now, user: user.email, ip: clientIP)
                throw AccountError.wrongPassword
            }
            if policy.stepUpWindow > 0 && now - auth.session.otpVerifiedAt > Int64(policy.stepUpWindow) {
                throw AccountError.stepUpRequired
            }
        }
        let text = PasswordText(new)
        try checkPasswordPolicy(text, for: user)
        let hash = try hasher.hash(text.normalized)

        let updated = try store.updateUser(user.id) {
            $0.passwordHash = hash
            $0.passwordChanged = now
            $0.sessionEpoch += 1
        }
        if viaReset {
            try store.deleteSession(auth.session.id)
        } else {
            // The session that made the change lives on under the new epoch.
            try store.updateSession(auth.session.id, durable: true) { $0.epoch = updated.sessionEpoch; return true }
        }
        try invalidateCodes(of: user.id)
        if let email = try? EmailAddress.parse(user.email).get() {
            try mail.queue(OutgoingMail(to: email, template: "password-changed", values: [
                "time": rfc3339(now), "ip": clientIP,
            ]), decoy: false)
        }
        audit.record("password_changed", at: now, user: user.email, ip: clientIP,
                     [("method", .string(viaReset ? "reset" : "old_password"))])
    }
}
