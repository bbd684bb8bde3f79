import GatehouseCrypto
import GatehouseSystem

/// A session just opened: the token goes to the client once and is never
/// stored.
public struct OpenedSession: Sendable {
    public let token: String
    public let expiresIn: Int
    public let user: UserRecord
}

extension Accounts {
    /// OAuth2 password grant. An unknown user costs the same work (a hash
    /// verification, the same counter writes) and gets the same error as a
    /// wrong password. The guess is counted before the password is checked
    /// (`beginSignInAttempt`), so parallel guesses cannot share one look at
    /// the counter.
    public func signIn(username: String, password: String, clientIP: String) throws -> OpenedSession {
        let now = clock.now()
        guard let email = try? EmailAddress.parse(username).get() else {
            // No account can have this name, so nothing is learnt from a quick
            // answer, and no per-account counter file is made for it (a flood
            // of made-up names would otherwise fill the disk with them).
            _ = try throttleAnswered { try beginClientAttempt(clientIP: clientIP, now: now) }
            audit.record("signin_failed", at: now, ip: clientIP)
            throw AccountError.invalidCredentials
        }
        let user = try findUser(email)
        if user?.lock == .failures {
            audit.record("signin_refused_locked", at: now, user: email.description, ip: clientIP)
            throw AccountError.accountLocked
        }
        let attempt: SignInAttempt
        do {
            attempt = try beginSignInAttempt(account: email.description, clientIP: clientIP, now: now)
        } catch let e as AccountError {
            audit.record(e == .accountLocked ? "signin_refused_locked" : "signin_throttled", at: now,
                         user: email.description, ip: clientIP)
            throw e
        } catch let t as ClientThrottled {
            throw AccountError.throttled(retryAfter: t.retryAfter)  // recorded, thinned, where it was decided
        }

        let text = PasswordText(password)
        let check = hasher.check(text.normalized, against: user?.passwordHash ?? dummyHash)
        guard let user, case .match(let needsRehash) = check else {
            // An imported legacy hash can be far cheaper than Argon2id; pad a
            // wrong guess to the dummy's cost, so the time does not tell
            // imported accounts from addresses with no account.
            if let user, hasher.isStale(user.passwordHash) { _ = hasher.check(text.normalized, against: dummyHash) }
            audit.record("signin_failed", at: now, user: email.description, ip: clientIP)
            try signInFailed(attempt, user: user, clientIP: clientIP, now: now)
            throw AccountError.invalidCredentials
        }
        try signInSucceeded(attempt, now: now)
        if user.lock == .admin {
            audit.record("signin_refused_locked", at: now, user: user.email, ip: clientIP)
            throw AccountError.accountLocked
        }
        if needsRehash {
            try rehash(user, password: text)
        }
        let opened = try openSession(for: user, clientIP: clientIP, now: now)
        audit.record("signin_ok", at: now, user: user.email, ip: clientIP)
        return opened
    }

    /// Replaces a hash at old parameters, but only if it is still the one
    /// that was verified: a password changed meanwhile is never reverted.
    func rehash(_ user: UserRecord, password: PasswordText) throws {
        let fresh = try hasher.hash(password.normalized)
        var replaced = false
        try store.updateUser(user.id) {
            guard $0.passwordHash == user.passwordHash else { return }
            $0.passwordHash = fresh
            replaced = true
        }
        if replaced { audit.record("password_rehashed", at: clock.now(), user: user.email) }
    }

    func openSession(for user: UserRecord, clientIP: String, now: Int64) throws -> OpenedSession {
        let token = Base64.url(random.bytes(32))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now,
                                              lastSeen: now, epoch: user.sessionEpoch, generation: user.generation,
                                              clientIP: clientIP))
        return OpenedSession(token: token, expiresIn: policy.sessionAbsolute, user: user)
    }
}
