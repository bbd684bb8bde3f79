import GatehouseCrypto
import GatehouseJSON
import GatehouseSystem

/// A session just opened: the token goes to the client once and is never
/// stored.
package struct OpenedSession: Sendable {
    package let token: String
    package let expiresIn: Int
    package let user: UserRecord
    /// The password that opened it is in the breached-password corpus, and
    /// its owner is to be asked to change it (`breached_password_signin`).
    package var passwordBreached = false
}

/// The second factor of a sign-in, as the client offered it.
package enum SecondFactorAnswer: Sendable {
    /// A code sent with the request (a JSON client's `mfa_code`).
    case code(String)
    /// None, from a client that cannot take a second step (JSON): an
    /// account with a second factor answers `secondFactorRequired`.
    case missing
    /// None yet, from a client that can take a second step (a browser): an
    /// account with a second factor gets a second-step ticket.
    case later
}

/// Who is asking, as far as the second factor's decisions need to know:
/// the client's address (for counting and the audit), its browser family
/// (for the person's list of sessions), the language of its pages (for a
/// notice mailed to the owner). The language is worked out only if a
/// notice is mailed: under CGI it means reading the catalogues, which a
/// sign-in or a code check must not pay for on every request.
package struct ClientInfo: Sendable {
    package let ip: String
    package let browser: String
    private let negotiateLanguage: @Sendable () -> String

    package var language: String { negotiateLanguage() }

    package init(ip: String, browser: String = "", language: @autoclosure @escaping @Sendable () -> String = "") {
        self.ip = ip
        self.browser = browser
        negotiateLanguage = language
    }
}

/// Where a sign-in ended.
package enum SignInOutcome: Sendable {
    case opened(OpenedSession)
    /// The password was right; the second factor is to come, with this
    /// ticket (`completeSecondStep`). It is not a session.
    case secondStep(OpenedSession)

    /// The session, for a client that asked with `.code` or `.missing`
    /// (never given a second step).
    package func session() throws -> OpenedSession {
        guard case .opened(let opened) = self else { throw AccountError.secondFactorRequired }
        return opened
    }
}

extension Accounts {
    /// OAuth2 password grant. An unknown user costs the same work (a hash
    /// verification, the same counter writes) and gets the same error as a
    /// wrong password. The guess is counted before the password is checked
    /// (`beginSignInAttempt`), so parallel guesses cannot share one look at
    /// the counter.
    /// With a second factor enrolled the right password alone opens
    /// nothing, and the guess stays counted until the second factor is
    /// proved: otherwise whoever knows the password could clear the
    /// account's back-off between guesses at the code.
    package func signIn(username: String, password: String, clientIP: String, browser: String = "",
                        language: @autoclosure @escaping @Sendable () -> String = "",
                        secondFactor: SecondFactorAnswer = .missing) throws -> SignInOutcome {
        let now = clock.now()
        guard let email = try? EmailAddress.parse(username).get() else {
            // No account can have this name, so nothing is learnt from a quick
            // answer, and no per-account counter is kept for it.
            _ = try throttleAnswered { try beginClientAttempt(clientIP: clientIP, now: now) }
            audit.record("signin_failed", at: now, ip: clientIP)
            throw AccountError.invalidCredentials
        }
        // A lock for failures is answered by the counter alone while it
        // stands, the same for an address with no account. Once the counter
        // is forgotten the account stays locked, and answers every password,
        // its right one too, as a made-up address would: as wrong, counted.
        // A guesser then learns nothing (not even that a guess was right)
        // and gets no session; the owner gets back in by a reset by code.
        let user = try findUser(email)
        let attempt: SignInAttempt
        do {
            attempt = try beginSignInAttempt(account: email.description, clientIP: clientIP, now: now)
        } catch let e as AccountError {
            audit.record(e == .accountLocked ? "signin_refused_locked" : "signin_throttled", at: now,
                         user: email, ip: clientIP)
            throw e
        } catch let t as ClientThrottled {
            throw AccountError.throttled(retryAfter: t.retryAfter)  // recorded, thinned, where it was decided
        }

        let text = PasswordText(password)
        let stored = user?.passwordHash ?? dummyHash
        let started = Monotonic.nanoseconds()
        let check = hasher.check(text.normalized, against: stored)
        let took = Monotonic.nanoseconds() - started
        if !hasher.isStale(stored) { verificationCost.record(took) }
        guard let user, case .match(let needsRehash) = check, user.lock != .failures else {
            if hasher.isStale(stored) { padToAVerification(took, password: text) }
            audit.record(user?.lock == .failures && check != .mismatch ? "signin_refused_locked" : "signin_failed", at: now,
                         user: email, ip: clientIP)
            try signInFailed(attempt, user: user, clientIP: clientIP, now: now)
            throw AccountError.invalidCredentials
        }
        if user.lock == .admin {
            try signInSucceeded(attempt, now: now)
            audit.record("signin_refused_locked", at: now, user: user.email, ip: clientIP)
            throw AccountError.accountLocked
        }
        if needsRehash {
            try rehash(user, password: text)
        }
        let breached = breachedAtSignIn(text)
        let outcome = try finishSignIn(user, first: .password, attempt: attempt, answer: secondFactor,
                                       client: ClientInfo(ip: clientIP, browser: browser, language: language()), now: now)
        // Asked only where the sign-in opened a session: a browser's second
        // step opens a new one later, and the prompt is not carried across it.
        guard breached, case .opened(var opened) = outcome else { return outcome }
        audit.record("password_breached_at_signin", at: now, user: user.email, ip: clientIP, hooks: signInEvent(user, now: now))
        opened.passwordBreached = true
        return .opened(opened)
    }

    /// After the first factor (the password, an e-mailed code) proved for
    /// `user`, with `attempt` counted: the second factor when the account
    /// has one, then the session.
    func finishSignIn(_ user: UserRecord, first: AuthFactor, attempt: SignInAttempt, answer: SecondFactorAnswer,
                      client: ClientInfo, now: Int64) throws -> SignInOutcome {
        var user = user
        var factors = [first]
        if user.secondFactor.enabled {
            switch answer {
            case .missing:
                audit.record("signin_second_factor_required", at: now, user: user.email, ip: client.ip)
                throw AccountError.secondFactorRequired
            case .later:
                let ticket = try openSecondStep(for: user, factors: factors, client: client, now: now)
                audit.record("signin_second_step", at: now, user: user.email, ip: client.ip)
                return .secondStep(ticket)
            case .code(let code):
                if let factor = try proveSecondFactor(code, of: user, after: first, undo: first == .password, attempt: attempt,
                                                      client: client, now: now) {
                    factors.append(factor)
                } else {
                    // An undo code ended every session: this one opens under the new epoch.
                    user = try store.loadUser(user.id) ?? user
                }
            }
        }
        try signInSucceeded(attempt, now: now)
        let opened = try openSession(for: user, client: client, now: now, factors: factors)
        recordSignIn(user, ip: client.ip, Self.factorsDetail(factors), now: now)
        return .opened(opened)
    }

    /// The factors of a session, for its audit line.
    static func factorsDetail(_ factors: [AuthFactor]) -> [(String, JSONValue)] {
        [("factors", .string(AuthFactor.text(factors)))]
    }

    /// A wrong guess at a hash not at this hasher's parameters (an imported
    /// bcrypt, say) took `took`; an address with no account costs one
    /// verification at the current ones. Padded to the larger of the two,
    /// never their sum, so the time tells neither from the other: by a wait
    /// for what is missing, once this process has timed a verification;
    /// before that, by one against the dummy hash (timed for next time).
    func padToAVerification(_ took: Int64, password: PasswordText) {
        if let cost = verificationCost.estimate {
            Monotonic.sleep(nanoseconds: cost - took)
        } else {
            let started = Monotonic.nanoseconds()
            _ = hasher.check(password.normalized, against: dummyHash)
            verificationCost.record(Monotonic.nanoseconds() - started)
        }
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

    /// A fresh sign-in counts as a re-authentication: the step-up window
    /// starts now. `browser`: the browser family, if not the client's own
    /// (the second step's is its ticket's). `announce`: a device new to the
    /// account is told to its owner (`NewDevice.swift`); a sign-up's first
    /// session is its baseline.
    func openSession(for user: UserRecord, client: ClientInfo, now: Int64, factors: [AuthFactor], browser: String? = nil,
                     announce: Bool = true) throws -> OpenedSession {
        try requireStaying(user, client: client)
        let token = Base64.url(random.bytes(Accounts.tokenBytes))
        let id = sessionID(forToken: token)
        let family = browser ?? client.browser
        try store.insertSession(SessionRecord(id: id, userID: user.id, created: now,
                                              lastSeen: now, epoch: user.sessionEpoch, generation: user.generation,
                                              clientIP: client.ip, factors: factors, reauthAt: now, browser: family))
        recogniseDevice(user, session: id, client: client, browser: family, now: now, announce: announce)
        return OpenedSession(token: token, expiresIn: policy.sessionAbsolute, user: user)
    }
}
