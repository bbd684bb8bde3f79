import GatehouseCrypto
import GatehouseSystem

/// What `gatehousectl user …` and `import` do, kept in the core so the rules
/// (policy, hashing, revocation) are the same as for the endpoints.
extension Accounts {
    /// Length and content rules every new password must pass.
    package func checkNewPassword(_ text: PasswordText) throws {
        if text.containsNUL { throw AccountError.invalidField(field: "password", reason: "must not contain NUL") }
        if text.length < policy.passwordMin {
            throw AccountError.invalidField(field: "password", reason: "must be at least \(policy.passwordMin) characters")
        }
        if text.length > policy.passwordMax {
            throw AccountError.invalidField(field: "password", reason: "must be at most \(policy.passwordMax) characters")
        }
    }

    @discardableResult
    package func addUser(_ email: EmailAddress, password: String) throws -> UserRecord {
        let text = PasswordText(password)
        try checkNewPassword(text)
        try checkNotBreached(text, field: "password")
        return try insert(email, hash: try hasher.hash(text.normalized), event: "user_added")
    }

    /// Imports an existing hash (bcrypt, yescrypt, sha512-crypt, Argon2);
    /// it is upgraded to the current Argon2id at the next sign-in.
    @discardableResult
    package func importUser(_ email: EmailAddress, hash: String) throws -> UserRecord {
        guard HashFormat(hash) != .unknown, !hash.contains(where: { $0.isNewline || $0 == " " }) else {
            throw AccountError.invalidField(field: "hash", reason: "unsupported hash format")
        }
        return try insert(email, hash: hash, event: "user_imported")
    }

    func insert(_ email: EmailAddress, hash: String, event: String) throws -> UserRecord {
        let now = clock.now()
        let user = UserRecord(id: newAccountID(), email: email, passwordHash: hash, created: now,
                              generation: Hex.encode(random.bytes(16)))
        try insertAccount(user)
        audit.record(event, at: now, user: user.email)
        return user
    }

    /// Sets a password as an administrator; every session of the user ends.
    package func setPassword(_ email: EmailAddress, password: String) throws {
        let text = PasswordText(password)
        try checkNewPassword(text)
        try checkNotBreached(text, field: "password")
        let hash = try hasher.hash(text.normalized)
        try modify(email, event: "password_set_by_admin") {
            $0.passwordHash = hash
            $0.passwordChanged = clock.now()
            $0.revokeSessions()
        }
    }

    /// An administrator's lock also ends every session; unlocking lifts
    /// either kind of lock and clears the failure counters that may have
    /// caused it (the second factor's too).
    package func setLocked(_ email: EmailAddress, _ locked: Bool) throws {
        try modify(email, event: locked ? "account_locked_by_admin" : "account_unlocked") {
            $0.lock = locked ? .admin : .none
            if locked { $0.revokeSessions() }
        }
        if !locked {
            try store.resetCounter(signInAccountCounter(email.description))
            try store.resetCounter(secondFactorCounter(try existingAccountID(for: email)))
        }
    }

    /// Deletion is final: the record goes, and with it every session, grant
    /// and code. Sessions also carry the account's random generation, so
    /// one opened while this runs cannot serve an account added later
    /// under the same address.
    package func deleteUser(_ email: EmailAddress) throws {
        guard let user = try findUser(email), let sessions = try removeAccount(user) else { throw AccountError.userNotFound }
        audit.record("user_deleted", at: clock.now(), user: email, [("sessions_ended", .int(sessions))])
    }

    func modify(_ email: EmailAddress, event: String, _ change: (inout UserRecord) -> Void) throws {
        do {
            try store.updateUser(try existingAccountID(for: email), change)
        } catch StoreError.notFound {
            throw AccountError.userNotFound
        }
        audit.record(event, at: clock.now(), user: email)
    }
}
