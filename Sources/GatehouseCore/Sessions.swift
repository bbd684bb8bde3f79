import GatehouseCrypto
import GatehouseSystem

/// A request's proven identity.
package struct Authenticated: Sendable {
    package let user: UserRecord
    package let session: SessionRecord
    package let token: String
}

extension Accounts {
    package static let tokenBytes = 32

    /// Resolves a bearer token or session cookie. Expired, revoked and
    /// orphaned sessions are deleted on sight (lazy clean-up).
    /// A reset grant is refused (401) unless `allowResetGrant`; it is not
    /// deleted then, so probing another endpoint with it does not burn it.
    package func authenticate(token: String, allowResetGrant: Bool = false) throws -> Authenticated {
        guard Base64.isURLEncoding(token, ofByteCount: Accounts.tokenBytes) else { throw AccountError.notAuthenticated }
        let id = sessionID(forToken: token)
        guard let found = try store.loadSessionWithUser(id) else { throw AccountError.notAuthenticated }
        let (session, user, now) = (found.session, found.user, clock.now())
        // A lock for failed sign-ins keeps the owner's sessions: whoever
        // guessed does not have them. An administrator's lock ends them.
        guard let user, user.lock != .admin, isLive(session, user: user, now: now) else {
            try store.deleteSession(id)
            throw AccountError.notAuthenticated
        }
        // A second-step ticket is not a session; it is left for its own step.
        if session.kind == .secondStep { throw AccountError.notAuthenticated }
        if session.kind == .reset {
            guard allowResetGrant else { throw AccountError.notAuthenticated }
            return Authenticated(user: user, session: session, token: token)
        }
        var current = session
        if now - session.lastSeen >= Int64(policy.touchInterval) {
            // At most once a minute per session, so it can afford to be
            // durable: a non-durable rename can leave an empty file after a
            // power cut on some file systems, and that session would be lost.
            guard let touched = try store.updateSession(id, durable: true, { s in
                s.lastSeen = max(s.lastSeen, now)
                return true
            }) else { throw AccountError.notAuthenticated }
            current = touched
        }
        return Authenticated(user: user, session: current, token: token)
    }

    package func isLive(_ s: SessionRecord, user: UserRecord?, now: Int64) -> Bool {
        guard let user, !user.leaving, s.generation == user.generation,
              s.epoch == user.sessionEpoch || (s.id == user.survivingSession && s.kind == .session) else { return false }
        if s.kind == .reset { return now - s.created < Int64(policy.codes.resetGrantLifetime) }
        if s.kind == .secondStep { return now - s.created < Int64(policy.secondStepLifetime) }
        return now - s.created < Int64(policy.sessionAbsolute) && now - s.lastSeen < Int64(policy.sessionIdle)
    }

    package func logout(_ auth: Authenticated) throws {
        try store.deleteSession(auth.session.id)
        audit.record("logout", at: clock.now(), user: auth.user.email)
    }

    /// Every live session, for `gatehousectl sessions list`.
    package func liveSessions() throws -> [(SessionRecord, UserRecord)] {
        let now = clock.now()
        var users: [String: UserRecord?] = [:]
        return try store.allSessions().compactMap { s in
            if users[s.userID] == nil { users[s.userID] = .some(try store.loadUser(s.userID)) }
            guard let user = users[s.userID] ?? nil, isLive(s, user: user, now: now) else { return nil }
            return (s, user)
        }
    }

    /// Revokes every session of a user in one durable write (the epoch), then
    /// removes the files it can find.
    package func revokeSessions(of email: EmailAddress) throws -> Int {
        let id = try existingAccountID(for: email)
        do {
            try store.updateUser(id) { $0.revokeSessions() }
        } catch StoreError.notFound {
            throw AccountError.userNotFound
        }
        let removed = try removeSessionFiles(of: id)
        audit.record("sessions_revoked", at: clock.now(), user: email)
        return removed
    }

    /// Deletes every session and grant file of an account (a walk: admin
    /// commands only).
    func removeSessionFiles(of userID: String) throws -> Int {
        var removed = 0
        for s in try store.allSessions() where s.userID == userID {
            if try store.deleteSession(s.id) { removed += 1 }
        }
        return removed
    }

    package func revokeSession(id: String) throws -> Bool {
        try store.deleteSession(id)
    }
}

extension UserRecord {
    /// Every session and grant ends, the one that changed the password too.
    mutating func revokeSessions() {
        sessionEpoch += 1
        survivingSession = ""
    }
}
