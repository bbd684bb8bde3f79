import GatehouseCrypto
import GatehouseSystem

extension Accounts {
    func codeID(userID: String, purpose: CodePurpose) -> String {
        keys.hex(userID + "\u{0}" + purpose.rawValue, domain: "otp")
    }

    func codeHash(_ code: String, id: String) -> String {
        keys.hex(code, domain: "otp-code:" + id)
    }

    /// CSPRNG digits, one `randombytes_uniform(10)` each: no modulo bias at
    /// any length up to 10 digits.
    func newCode() -> String {
        String((0..<policy.codes.length).map { _ in Character(String(random.uniform(10))) })
    }

    /// Send limits (docs/security.md): per-address cooldown, per-address hourly,
    /// per-client hourly, site-wide hourly. Keyed by the address whether or
    /// not it has an account, so the limits reveal nothing either. All are
    /// checked before any is counted, so a refused request uses up nothing;
    /// each is then counted atomically (a race can only refuse, not overshoot).
    func takeSendAllowance(_ email: EmailAddress, clientIP: String, now: Int64) throws {
        let c = policy.codes
        let address = email.description
        let cooldownKey = keys.hex(address, domain: "otp-cooldown")
        let windows: [(key: String, window: RateWindow)] = [
            (keys.hex(address, domain: "otp-address-hour"), RateWindow(limit: c.perAddressPerHour)),
            (keys.hex(clientNetwork(clientIP), domain: "otp-ip-hour"), RateWindow(limit: c.perIPPerHour)),
            (keys.hex("site", domain: "otp-site-hour"), RateWindow(limit: c.sitePerHour)),
        ]
        func cooling(_ counter: CounterRecord) -> Int? {
            guard c.cooldown > 0, counter.last > 0, now - counter.last < Int64(c.cooldown) else { return nil }
            return Int(counter.last + Int64(c.cooldown) - now)
        }
        var waits = [cooling(try store.readCounter(cooldownKey))]
        for w in windows { waits.append(w.window.isFull(try store.readCounter(w.key), now: now)) }
        if waits.allSatisfy({ $0 == nil }) {
            try store.updateCounter(cooldownKey) { counter in
                if let wait = cooling(counter) { waits.append(wait) } else { counter.last = now; counter.count += 1 }
            }
            for w in windows { try store.updateCounter(w.key) { waits.append(w.window.take(&$0, now: now)) } }
        }
        if let wait = waits.compactMap({ $0 }).max() {
            audit.record("code_send_throttled", at: now, user: address, ip: clientIP)
            throw AccountError.tooManyCodeRequests(retryAfter: max(1, wait))
        }
    }

    /// Creates a code (replacing any earlier one for this user and purpose)
    /// and spools the mail. An unknown address gets the same answer and the
    /// same work — a code record under its would-be id and a decoy spool
    /// write — unless the site asked for the original's 404.
    public func sendCode(to email: EmailAddress, purpose: CodePurpose, clientIP: String, language: String = "") throws {
        let now = clock.now()
        if purpose == .login && !policy.codes.loginEnabled { throw AccountError.purposeDisabled(purpose.rawValue) }
        let user = try findUser(email)
        if user == nil && policy.codes.unknownAddress404 { throw AccountError.unknownAddress }
        try takeSendAllowance(email, clientIP: clientIP, now: now)
        let uid = userID(for: email)
        let id = codeID(userID: uid, purpose: purpose)
        let code = newCode()
        let replaced = try store.loadCode(id).map { $0.expires > now } ?? false
        try store.putCode(CodeRecord(id: id, userID: uid, purpose: purpose.rawValue, codeHash: codeHash(code, id: id),
                                     created: now, expires: now + Int64(policy.codes.lifetime)))
        let minutes = max(1, policy.codes.lifetime / 60)
        try mail.queue(OutgoingMail(to: email, template: "otp", values: [
            "code": code, "purpose": purpose.rawValue, "minutes": String(minutes),
            "replaces": replaced ? "yes" : "",
        ], language: language), decoy: user == nil)
        audit.record(user == nil ? "code_requested_unknown" : "code_sent", at: now, user: email.description, ip: clientIP,
                     [("purpose", .string(purpose.rawValue))])
    }

    /// Checks a code in constant time and consumes it atomically: the same
    /// code never verifies twice and `otp_max_tries` wrong guesses kill it.
    /// Before the code is looked at, the guess is counted in two hourly
    /// budgets of the client's own: per account and purpose (it survives a
    /// resend, so resending never buys guesses) and across all accounts (so
    /// spraying codes over many accounts is bounded). A success gives both
    /// back. A guess when no code is outstanding does not count against the
    /// account: whoever lacks the mailbox cannot use up the owner's tries.
    @discardableResult
    public func verifyCode(_ code: String, for email: EmailAddress, purpose: CodePurpose, clientIP: String) throws -> UserRecord {
        let now = clock.now()
        let uid = userID(for: email)
        let network = clientNetwork(clientIP)
        let budgets = [
            (keys.hex(uid + "\u{0}" + purpose.rawValue + "\u{0}" + network, domain: "otp-failures"),
             RateWindow(limit: policy.codes.maxFailuresPerHour)),
            (keys.hex(network, domain: "otp-verify-ip"), RateWindow(limit: policy.codes.verifyFailuresPerHourPerClient)),
        ]
        var taken = 0, clientFailures = 0
        func giveBack(_ which: ArraySlice<(String, RateWindow)>) throws {
            for (key, window) in which {
                try store.updateExistingCounter(key, removingIf: { $0.count == 0 }) { window.giveBack(&$0, now: now) }
            }
        }
        for (key, window) in budgets {
            var wait: Int?, refused = 0
            try store.updateCounter(key) {
                wait = window.take(&$0, now: now)
                refused = window.refusals($0)
                clientFailures = min($0.count, window.limit)
            }
            if let wait {
                try giveBack(budgets[..<taken])
                if AuditTrail.isMilestone(refused) {
                    audit.record("code_throttled", at: now, user: email.description, ip: clientIP, [("refused_so_far", .int(refused))])
                }
                throw AccountError.throttled(retryAfter: max(1, wait))
            }
            taken += 1
        }

        enum Outcome { case none, ok, wrong, expired }
        var outcome = Outcome.none
        let id = codeID(userID: uid, purpose: purpose)
        let presented = codeHash(code, id: id)
        try store.updateCode(id) { record in
            if record.expires <= now {
                outcome = .expired
                return false
            }
            if constantTimeEqual(presented, record.codeHash) {
                outcome = .ok
                return false  // consumed
            }
            outcome = .wrong
            record.tries += 1
            return record.tries < policy.codes.maxTries
        }
        switch outcome {
        case .ok: try giveBack(budgets[...])
        case .none, .expired: try giveBack(budgets[..<1])
        case .wrong: break
        }
        // An administrator's lock holds; a lock for failed sign-ins does not
        // stop a reset, which is how the owner gets back in.
        let user = outcome == .ok ? try store.loadUser(uid) : nil
        guard let user, user.lock != .admin else {
            // Every one of a client's first ten wrong codes in the hour, then
            // milestones carrying the running total: a site that raises the
            // per-client budget does not get a line per guess in a flood.
            if clientFailures <= 10 || AuditTrail.isMilestone(clientFailures) {
                audit.record(outcome == .expired ? "code_expired" : "code_failed", at: now, user: email.description, ip: clientIP,
                             [("purpose", .string(purpose.rawValue)), ("client_failures", .int(clientFailures))])
            }
            throw AccountError.invalidCode
        }
        audit.record("code_verified", at: now, user: user.email, ip: clientIP, [("purpose", .string(purpose.rawValue))])
        return user
    }

    func clientNetwork(_ clientIP: String) -> String {
        ClientNetwork.key(clientIP, ipv6PrefixLength: policy.ipv6PrefixLength)
    }

    /// A `verify` code proved the address.
    public func markVerified(_ user: UserRecord) throws {
        guard !user.emailVerified else { return }
        try store.updateUser(user.id) { $0.emailVerified = true }
    }

    /// verify-otp with a session: the session is stepped up, and a `verify`
    /// code also marks the address verified.
    public func verifyCode(_ code: String, session auth: Authenticated, purpose: CodePurpose, clientIP: String) throws {
        let email = try EmailAddress.parse(auth.user.email).get()
        let user = try verifyCode(code, for: email, purpose: purpose, clientIP: clientIP)
        let now = clock.now()
        try store.updateSession(auth.session.id, durable: true) { $0.otpVerifiedAt = now; return true }
        if purpose == .verify { try markVerified(user) }
    }

    /// A password-reset grant: a short-lived session of kind `reset`, good
    /// for one change-password and refused everywhere else.
    public func openResetGrant(for user: UserRecord, clientIP: String) throws -> OpenedSession {
        let now = clock.now()
        let token = Base64.url(random.bytes(Accounts.tokenBytes))
        try store.insertSession(SessionRecord(id: sessionID(forToken: token), userID: user.id, created: now, lastSeen: now,
                                              epoch: user.sessionEpoch, generation: user.generation, clientIP: clientIP,
                                              kind: .reset))
        audit.record("reset_grant_issued", at: now, user: user.email, ip: clientIP)
        return OpenedSession(token: token, expiresIn: policy.codes.resetGrantLifetime, user: user)
    }

    /// Sign-in by code (purpose=login, when enabled).
    public func openSession(afterCodeFor user: UserRecord, clientIP: String) throws -> OpenedSession {
        let now = clock.now()
        let opened = try openSession(for: user, clientIP: clientIP, now: now)
        audit.record("signin_ok", at: now, user: user.email, ip: clientIP, [("method", .string("code"))])
        return opened
    }

    /// Every outstanding code of a user ends (after a password change).
    func invalidateCodes(of userID: String) throws {
        for purpose in CodePurpose.allCases { try store.deleteCode(codeID(userID: userID, purpose: purpose)) }
    }
}
