import GatehouseCrypto
import GatehouseSystem

/// The second factor at sign-in and at re-authentication (docs/security.md,
/// "Second factor"). Every code is counted in the account's sign-in back-off
/// before it is checked, like a password: a thief who has the password gets
/// no more guesses at the code than anyone gets at a password.
extension Accounts {
    /// A browser's ticket between the right password and the second factor:
    /// a record of kind `second_step`, good for nothing but
    /// `completeSecondStep`, for a few minutes and a few codes.
    func openSecondStep(for user: UserRecord, factors: [AuthFactor], clientIP: String, browser: String,
                        now: Int64) throws -> OpenedSession {
        let token = Base64.url(random.bytes(Accounts.tokenBytes))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now, lastSeen: now,
                                              epoch: user.sessionEpoch, generation: user.generation, clientIP: clientIP,
                                              kind: .secondStep, factors: factors, browser: browser))
        return OpenedSession(token: token, expiresIn: policy.secondStepLifetime, user: user)
    }

    /// The account a second-step ticket is for, while it lives; nil when
    /// it is unknown, used up or expired (then: sign in again).
    package func secondStepAccount(ticket token: String) throws -> UserRecord? {
        try liveSecondStep(token)?.user
    }

    func liveSecondStep(_ token: String) throws -> SessionWithUser? {
        guard Base64.isURLEncoding(token, ofByteCount: Accounts.tokenBytes),
              let found = try store.loadSessionWithUser(sessionID(forToken: token)),
              found.session.kind == .secondStep, let user = found.user, user.lock == .none,
              isLive(found.session, user: user, now: clock.now()) else { return nil }
        return found
    }

    /// The second step of a browser's sign-in: a code from the app or a
    /// recovery code against the ticket. The guess is counted in the
    /// account's back-off and on the ticket before it is checked; the
    /// ticket ends at its last try, and is consumed before the session it
    /// earns is opened, so of parallel requests with good codes one signs in.
    package func completeSecondStep(ticket token: String, code: String, clientIP: String) throws -> OpenedSession {
        let now = clock.now()
        guard let found = try liveSecondStep(token), let user = found.user else { throw AccountError.notAuthenticated }
        let ticket = found.session
        let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: clientIP, now: now) }
        let maxTries = policy.secondStepTries
        guard let counted = try store.updateSession(ticket.id, durable: true, { t in
            t.tries += 1
            return t.tries <= maxTries
        }) else { throw AccountError.notAuthenticated }
        let factor: AuthFactor
        do {
            factor = try proveSecondFactor(code, of: user, attempt: attempt, clientIP: clientIP, now: now)
        } catch {
            if counted.tries >= maxTries { try store.deleteSession(ticket.id) }
            throw error
        }
        // Consumed before it is honoured: a second request that proved
        // another good code finds it gone.
        guard try store.deleteSession(ticket.id) else { throw AccountError.notAuthenticated }
        try signInSucceeded(attempt, now: now)
        let factors = ticket.factors + [factor]
        let opened = try openSession(for: user, clientIP: clientIP, now: now, factors: factors, browser: ticket.browser)
        audit.record("signin_ok", at: now, user: user.email, ip: clientIP, Self.factorsDetail(factors))
        return opened
    }

    /// A counted attempt's second factor: the factor proved, or the
    /// attempt stands as a failure (it may lock the account) and
    /// `invalidSecondFactor`.
    func proveSecondFactor(_ code: String, of user: UserRecord, attempt: SignInAttempt, clientIP: String,
                           now: Int64) throws -> AuthFactor {
        do {
            switch try proveSecondFactor(code, userID: user.id) {
            case .totp:
                return .totp
            case .recoveryCode(let left):
                audit.record("recovery_code_used", at: now, user: user.email, ip: clientIP, [("left", .int(left))])
                return .recoveryCode
            }
        } catch AccountError.invalidCode {
            audit.record("second_factor_failed", at: now, user: user.email, ip: clientIP)
            try signInFailed(attempt, user: user, clientIP: clientIP, now: now)
            throw AccountError.invalidSecondFactor
        }
    }

    /// POST /reauth: the password again, and the second factor when the
    /// account has one, both counted like a sign-in. The session's step-up
    /// window starts again, and it records a second factor proved.
    package func reauthenticate(_ auth: Authenticated, password: String, secondFactor: String?,
                                clientIP: String) throws {
        let now = clock.now()
        guard auth.session.kind == .session else { throw AccountError.notAuthenticated }
        let user = auth.user
        let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: clientIP, now: now) }
        guard case .match = hasher.check(PasswordText(password).normalized, against: user.passwordHash) else {
            audit.record("reauth_failed", at: now, user: user.email, ip: clientIP)
            try signInFailed(attempt, user: user, clientIP: clientIP, now: now)
            throw AccountError.reauthenticationFailed
        }
        var proved: [AuthFactor] = [.password]
        if user.secondFactor.enabled {
            guard let secondFactor else { throw AccountError.secondFactorRequired }
            do {
                proved.append(try proveSecondFactor(secondFactor, of: user, attempt: attempt, clientIP: clientIP, now: now))
            } catch AccountError.invalidSecondFactor {
                throw AccountError.reauthenticationFailed
            }
        }
        try signInSucceeded(attempt, now: now)
        guard try store.updateSession(auth.session.id, durable: true, { s in
            s.reauthAt = now
            s.factors += proved.filter { !s.factors.contains($0) }
            return true
        }) != nil else { throw AccountError.notAuthenticated }
        audit.record("reauthenticated", at: now, user: user.email, ip: clientIP, Self.factorsDetail(proved))
    }

    /// The step-up window: a session whose password was proved within
    /// `reauthWindow`, and, when the account has a second factor, that
    /// proved one too. A reset grant or second-step ticket never passes.
    package func requireRecentAuthentication(_ auth: Authenticated) throws {
        let s = auth.session
        guard s.kind == .session, clock.now() - s.reauthAt <= Int64(policy.reauthWindow),
              !auth.user.secondFactor.enabled || s.usedSecondFactor else {
            throw AccountError.reauthenticationRequired
        }
    }
}
