import GatehouseCrypto
import GatehouseSystem

/// What a verified code is for: an address verified, a session stepped up,
/// a reset grant, a session by code. `OneTimeCodes.swift` sends and checks
/// codes; this is what follows once one is right.
extension Accounts {
    /// What a code redeemed without a session did.
    package enum Redemption {
        /// purpose verify: the address is verified.
        case addressVerified(UserRecord)
        /// purpose reset: a grant good for one password change.
        case resetGrant(OpenedSession)
        /// purpose login (when enabled): a session, or a second step when
        /// the account has a second factor (an e-mailed code never
        /// replaces it).
        case signedIn(SignInOutcome)
    }

    /// verify-otp without a session, whole: the purpose's rule (sign-in by
    /// code only when the site allows it), the code checked and consumed,
    /// and what it was for done.
    package func redeemCode(_ code: String, for email: EmailAddress, purpose: CodePurpose, clientIP: String,
                            browser: String = "", language: @autoclosure @escaping @Sendable () -> String = "",
                            secondFactor: SecondFactorAnswer = .missing) throws -> Redemption {
        if purpose == .login && !policy.codes.loginEnabled { throw AccountError.purposeDisabled(purpose.rawValue) }
        let user = try verifyCode(code, for: email, purpose: purpose, clientIP: clientIP)
        switch purpose {
        case .verify:
            try markVerified(user)
            return .addressVerified(user)
        case .reset:
            return .resetGrant(try openResetGrant(for: user, clientIP: clientIP))
        case .login:
            return .signedIn(try openSession(afterCodeFor: user, client: ClientInfo(ip: clientIP, browser: browser, language: language()),
                                             secondFactor: secondFactor))
        }
    }

    /// A `verify` code proved the address.
    func markVerified(_ user: UserRecord) throws {
        guard !user.emailVerified else { return }
        try store.updateUser(user.id) { $0.emailVerified = true }
    }

    /// verify-otp with a session: the session is stepped up, and a `verify`
    /// code also marks the address verified.
    package func verifyCode(_ code: String, session auth: Authenticated, purpose: CodePurpose, clientIP: String) throws {
        let user = try verifyCode(code, for: auth.user.email, purpose: purpose, clientIP: clientIP, signedIn: true)
        let now = clock.now()
        try store.updateSession(auth.session.id, durable: true) { $0.otpVerifiedAt = now; return true }
        if purpose == .verify { try markVerified(user) }
    }

    /// A password-reset grant: a short-lived session of kind `reset`, good
    /// for one change-password and refused everywhere else.
    func openResetGrant(for user: UserRecord, clientIP: String) throws -> OpenedSession {
        try requireStaying(user, client: ClientInfo(ip: clientIP))
        let now = clock.now()
        let token = Base64.url(random.bytes(Accounts.tokenBytes))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now, lastSeen: now,
                                              epoch: user.sessionEpoch, generation: user.generation, clientIP: clientIP,
                                              kind: .reset))
        audit.record("reset_grant_issued", at: now, user: user.email, ip: clientIP)
        return OpenedSession(token: token, expiresIn: policy.codes.resetGrantLifetime, user: user)
    }

    /// Sign-in by code (purpose=login, when enabled). The code was spent;
    /// a second factor still has to follow, counted like one after a password.
    func openSession(afterCodeFor user: UserRecord, client: ClientInfo, secondFactor: SecondFactorAnswer) throws -> SignInOutcome {
        let now = clock.now()
        guard user.secondFactor.enabled else {
            let opened = try openSession(for: user, client: client, now: now, factors: [.emailCode])
            recordSignIn(user, ip: client.ip, [("method", .string("code"))], now: now)
            return .opened(opened)
        }
        let attempt = try throttleAnswered { try beginSignInAttempt(account: user.email.description, clientIP: client.ip, now: now) }
        return try finishSignIn(user, first: .emailCode, attempt: attempt, answer: secondFactor, client: client, now: now)
    }
}
