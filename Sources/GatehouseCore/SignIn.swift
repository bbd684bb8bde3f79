import GatehouseCrypto
import GatehouseStore

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
    /// wrong password.
    public func signIn(username: String, password: String, clientIP: String) throws -> OpenedSession {
        let now = clock.now()
        let email = try? EmailAddress.parse(username).get()
        let accountKey = signInAccountCounter(email?.description ?? username)
        let ipKey = signInClientCounter(clientIP)
        let t = policy.throttle

        let accountCounter = try store.readCounter(accountKey)
        let ipCounter = try store.readCounter(ipKey)
        if t.isLocked(accountCounter, now: now) {
            audit.record("signin_refused_locked", at: now, user: email?.description, ip: clientIP)
            throw AccountError.accountLocked
        }
        if let wait = [t.retryAfter(accountCounter, now: now), t.retryAfter(ipCounter, now: now)].compactMap({ $0 }).max() {
            audit.record("signin_throttled", at: now, user: email?.description, ip: clientIP)
            throw AccountError.throttled(retryAfter: wait)
        }

        let user = try email.flatMap { try findUser($0) }
        let text = PasswordText(password)
        let check = hasher.check(text.normalized, against: user?.passwordHash ?? dummyHash)
        guard let user, case .match(let needsRehash) = check else {
            let after = try store.updateCounter(accountKey) { t.recordFailure(&$0, now: now) }
            try store.updateCounter(ipKey) { t.recordFailure(&$0, now: now) }
            audit.record("signin_failed", at: now, user: email?.description, ip: clientIP)
            if after.count >= t.lockAfter, let user {
                try store.updateUser(user.id) { $0.locked = true }
                audit.record("account_locked", at: now, user: user.email, ip: clientIP)
            }
            throw AccountError.invalidCredentials
        }
        if user.locked {
            audit.record("signin_refused_locked", at: now, user: user.email, ip: clientIP)
            throw AccountError.accountLocked
        }
        // Only consecutive failures count: success clears both counters.
        if accountCounter.count > 0 { try store.deleteCounter(accountKey) }
        if ipCounter.count > 0 { try store.deleteCounter(ipKey) }
        var current = user
        if needsRehash {
            let fresh = try hasher.hash(text.normalized)
            current = try store.updateUser(user.id) { $0.passwordHash = fresh }
            audit.record("password_rehashed", at: now, user: user.email)
        }
        let opened = try openSession(for: current, clientIP: clientIP, now: now)
        audit.record("signin_ok", at: now, user: user.email, ip: clientIP)
        return opened
    }

    func openSession(for user: UserRecord, clientIP: String, now: Int64) throws -> OpenedSession {
        let token = Base64URL.encode(random.bytes(32))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now,
                                              lastSeen: now, epoch: user.sessionEpoch, clientIP: clientIP))
        return OpenedSession(token: token, expiresIn: policy.sessionAbsolute, user: user)
    }
}
