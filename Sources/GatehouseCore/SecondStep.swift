import GatehouseCrypto
import GatehouseJSON
import GatehouseSystem

/// The second factor at sign-in and at re-authentication (docs/security.md,
/// "Second factor"). Every code is counted in the account's sign-in back-off
/// before it is checked, like a password: a thief who has the password gets
/// no more guesses at the code than anyone gets at a password.
extension Accounts {
    /// A browser's ticket between the right password and the second factor:
    /// a record of kind `second_step`, good for nothing but
    /// `completeSecondStep`, for a few minutes and a few codes.
    func openSecondStep(for user: UserRecord, factors: [AuthFactor], client: ClientInfo, now: Int64) throws -> OpenedSession {
        try requireStaying(user, client: client)
        let token = Base64.url(random.bytes(Accounts.tokenBytes))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now, lastSeen: now,
                                              epoch: user.sessionEpoch, generation: user.generation, clientIP: client.ip,
                                              kind: .secondStep, factors: factors, browser: client.browser))
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
    package func completeSecondStep(ticket token: String, code: String, client: ClientInfo) throws -> OpenedSession {
        try completeSecondStep(ticket: token, answer: .code(code), client: client)
    }

    /// What a browser's second step offers: a code (from the app, a
    /// recovery code, an undo code), or a passkey's assertion to options
    /// bound to the ticket (`passkeyRequestOptions(ticket:)`).
    package enum SecondStepAnswer: Sendable {
        case code(String)
        case passkey(JSONValue)
    }

    package func completeSecondStep(ticket token: String, answer: SecondStepAnswer, client: ClientInfo) throws -> OpenedSession {
        let now = clock.now()
        guard let found = try liveSecondStep(token), let user = found.user else { throw AccountError.notAuthenticated }
        let ticket = found.session
        let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: client.ip, now: now) }
        let maxTries = policy.secondStepTries
        guard let counted = try store.updateSession(ticket.id, durable: true, { t in
            t.tries += 1
            return t.tries <= maxTries
        }) else { throw AccountError.notAuthenticated }
        let factor: AuthFactor?
        do {
            let first = ticket.factors.first ?? .password
            switch answer {
            case .code(let code):
                factor = try proveSecondFactor(code, of: user, after: first, undo: first == .password, attempt: attempt,
                                               client: client, now: now)
            case .passkey(let assertion):
                do {
                    _ = try provePasskey(assertion, purpose: .secondStep, binding: ticket.id, of: user, requireUserVerification: false,
                                         client: client, now: now)
                } catch AccountError.passkeyRefused {
                    try signInFailed(attempt, user: user, clientIP: client.ip, now: now)
                    throw AccountError.invalidSecondFactor
                }
                factor = .passkey
            }
        } catch {
            if counted.tries >= maxTries { try store.deleteSession(ticket.id) }
            throw error
        }
        // Consumed before it is honoured: a second request that proved
        // another good code finds it gone.
        guard try store.deleteSession(ticket.id) else { throw AccountError.notAuthenticated }
        try signInSucceeded(attempt, now: now)
        let factors = ticket.factors + (factor.map { [$0] } ?? [])
        // An undo ended every session: this one opens under the new epoch.
        let current = factor == nil ? try store.loadUser(user.id) ?? user : user
        let opened = try openSession(for: current, client: client, now: now, factors: factors, browser: ticket.browser)
        recordSignIn(user, ip: client.ip, Self.factorsDetail(factors), now: now)
        return opened
    }

    /// A counted attempt's second factor, after the first factor `first`:
    /// the factor proved, nil when an undo code removed it (only at a
    /// sign-in by password, `undo`; `SecondFactorUndo.swift`), or the attempt stands as a failure (it may lock
    /// the account) and `invalidSecondFactor`. Each code is also counted,
    /// before it is checked, in the second factor's own count: a reset by
    /// code clears the account's back-off and lock, never that one, so
    /// whoever has the password and the mailbox gets no fresh guesses by
    /// resetting. Past its limit the app's codes are refused unread; the
    /// recovery and undo codes, far too long to guess, still work. The
    /// owner is told of a recovery code used, and (at most hourly) of a
    /// first factor followed by a wrong code.
    func proveSecondFactor(_ code: String, of user: UserRecord, after first: AuthFactor, undo: Bool, attempt: SignInAttempt,
                           client: ClientInfo, now: Int64) throws -> AuthFactor? {
        let counter = secondFactorCounter(user.id)
        var refusal: ThrottlePolicy.Refusal?
        let count = try store.updateCounter(counter) { refusal = policy.throttle.secondFactor.reserve(&$0, now: now) }
        if case .wait(let seconds) = refusal { throw AccountError.throttled(retryAfter: max(1, seconds)) }
        do {
            let proof = try proveSecondFactor(code, userID: user.id, totp: refusal == nil, undo: undo)
            try store.resetCounter(counter)
            switch proof {
            case .totp:
                return .totp
            case .recoveryCode(let left):
                audit.record("recovery_code_used", at: now, user: user.email, ip: client.ip, [("left", .int(left))])
                notify(user, "recovery-code-used", client: client, now: now, ["left": String(left)])
                return .recoveryCode
            case .undone:
                audit.record("mfa_undone", at: now, user: user.email, ip: client.ip)
                notify(user, "mfa-disabled", client: client, now: now)
                return nil
            }
        } catch AccountError.invalidCode {
            audit.record("second_factor_failed", at: now, user: user.email, ip: client.ip)
            if refusal == nil, count.count == policy.throttle.lockAfter {
                audit.record("second_factor_locked", at: now, user: user.email, ip: client.ip)
            }
            try signInFailed(attempt, user: user, clientIP: client.ip, now: now)
            if try firstThisHour("second-step-failed-mail", user: user, now: now) {
                notify(user, "second-step-failed", client: client, now: now, first == .emailCode ? ["after_code": "yes"] : [:])
            }
            throw AccountError.invalidSecondFactor
        }
    }

    /// The second factor's own count of wrong codes (`proveSecondFactor`).
    func secondFactorCounter(_ userID: String) -> String { keys.hex(userID, domain: "second-factor-failures") }

    /// True for the first call per account in an hour (a mail that must not
    /// flood the owner's mailbox, whoever keeps trying).
    func firstThisHour(_ purpose: String, user: UserRecord, now: Int64) throws -> Bool {
        var first = false
        try store.updateCounter(keys.hex(user.id, domain: purpose)) { c in
            first = c.last == 0 || now - c.last >= 3600
            if first { c = CounterRecord(count: 1, last: now, expires: now + 3600) }
        }
        return first
    }

    /// A notice to the owner about their account's security. The change
    /// it tells of has happened: one that cannot be queued is logged, not
    /// turned into an error the client would retry.
    func notify(_ user: UserRecord, _ template: String, client: ClientInfo, now: Int64, _ values: [String: String] = [:]) {
        do {
            try mail.queue(notice(to: user.email, template, client: client, now: now, values), decoy: false)
        } catch {
            logger.error("\(template) notice not queued: \(error)")
        }
    }

    /// A notice to `email`, with the time and the client's address it is about.
    func notice(to email: EmailAddress, _ template: String, client: ClientInfo, now: Int64, _ values: [String: String] = [:]) -> OutgoingMail {
        OutgoingMail(to: email, template: template, values: values.merging(["time": UTCTime.rfc3339(now), "ip": client.ip]) { a, _ in a },
                     language: client.language)
    }

    /// POST /reauth: the password again, and the second factor when the
    /// account has one, both counted like a sign-in. The session's step-up
    /// window starts again, and it records a second factor proved. With a
    /// factor enrolled and no code the password is not looked at, so the
    /// answer never tells a right password from a wrong one.
    package func reauthenticate(_ auth: Authenticated, password: String, secondFactor: String?, client: ClientInfo) throws {
        let now = clock.now()
        guard auth.session.kind == .session else { throw AccountError.notAuthenticated }
        let user = auth.user
        if user.secondFactor.enabled && secondFactor == nil { throw AccountError.secondFactorRequired }
        let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: client.ip, now: now) }
        guard case .match = hasher.check(PasswordText(password).normalized, against: user.passwordHash) else {
            audit.record("reauth_failed", at: now, user: user.email, ip: client.ip)
            try signInFailed(attempt, user: user, clientIP: client.ip, now: now)
            throw AccountError.reauthenticationFailed
        }
        var proved: [AuthFactor] = [.password]
        if user.secondFactor.enabled, let secondFactor {
            do {
                // An undo code is for sign-in only.
                if let factor = try proveSecondFactor(secondFactor, of: user, after: .password, undo: false, attempt: attempt,
                                                      client: client, now: now) {
                    proved.append(factor)
                }
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
        audit.record("reauthenticated", at: now, user: user.email, ip: client.ip, Self.factorsDetail(proved))
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
