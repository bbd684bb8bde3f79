import GatehouseJSON
import GatehouseCrypto
import GatehouseSystem

extension Accounts {
    /// A code sent to a session of the account's own (a step-up) is a
    /// record of its own, verified only with such a session: wrong guesses
    /// by anyone without one (five kill a code) never reach it, so no one
    /// can keep a signed-in person's step-up codes dead.
    func codeID(userID: String, purpose: CodePurpose, signedIn: Bool = false) -> String {
        keys.hex(userID + "\u{0}" + purpose.rawValue + (signedIn ? "\u{0}session" : ""), domain: "otp")
    }

    func codeHash(_ code: String, id: String) -> String {
        keys.hex(code, domain: "otp-code:" + id)
    }

    /// CSPRNG digits, one `randombytes_uniform(10)` each: no modulo bias at
    /// any length up to 10 digits.
    func newCode() -> String {
        String((0..<policy.codes.length).map { _ in Character(String(random.uniform(10))) })
    }

    /// Send limits (docs/security.md). Without a session: a cooldown and an
    /// hourly limit per address, hourly limits per client network and per
    /// wider network, and the site-wide hourly cap (an alarm, or a refusal
    /// where the site asks for one). Keyed by the address whether or not it
    /// has an account, so the limits reveal nothing either. With a session
    /// of the address's own account (a step-up): a cooldown and an hourly
    /// limit of that account's own, which no one without the session can
    /// spend, and nothing else, so a flood of anonymous requests never
    /// stops a signed-in person. All or nothing: a refused request uses up
    /// nothing.
    /// `cooldownPerAddress`: with a session, the cooldown is the account's
    /// for each address it sends to (a new address mistyped can be
    /// corrected at once), the hourly limit still the account's.
    func takeSendAllowance(_ email: EmailAddress, ownAccount: String?, cooldownPerAddress: Bool = false, clientIP: String,
                           now: Int64) throws {
        let c = policy.codes
        let address = email.description
        var budgets: [Budget]
        let cooldownKey: String
        if let uid = ownAccount {
            budgets = [Budget(key: keys.hex(uid, domain: "otp-session-hour"), window: RateWindow(limit: c.perAddressPerHour))]
            // Sent to an address not the account's own (a new address):
            // that address's hourly limit too, so many accounts cannot
            // flood one mailbox.
            if cooldownPerAddress {
                budgets.append(Budget(key: keys.hex(address, domain: "otp-address-hour"), window: RateWindow(limit: c.perAddressPerHour)))
            }
            cooldownKey = keys.hex(uid + (cooldownPerAddress ? "\u{0}" + address : ""), domain: "otp-session-cooldown")
        } else {
            budgets = [Budget(key: keys.hex(address, domain: "otp-address-hour"), window: RateWindow(limit: c.perAddressPerHour))]
                + clientBudgets("otp-ip-hour", clientIP: clientIP, perHour: c.perIPPerHour)
            if c.siteCapRefuses { budgets.append(Budget(key: siteSendCounter, window: RateWindow(limit: c.sitePerHour))) }
            cooldownKey = keys.hex(address, domain: "otp-cooldown")
        }
        var wait = try take(budgets, now: now)?.wait
        if wait == nil {
            // The cooldown is decided last, under its own lock: it never needs giving back.
            try store.updateCounter(cooldownKey) { counter in
                if c.cooldown > 0, counter.last > 0, now - counter.last < Int64(c.cooldown) {
                    wait = Int(counter.last + Int64(c.cooldown) - now)
                } else {
                    counter.last = now
                    counter.count += 1
                    counter.expires = now + Int64(c.cooldown)
                    counter.holdUntil = counter.expires
                }
            }
            if wait != nil { try giveBack(budgets, now: now) }
        }
        if let wait {
            audit.record("code_send_throttled", at: now, user: email, ip: clientIP)
            throw AccountError.tooManyCodeRequests(retryAfter: max(1, wait))
        }
        if (ownAccount == nil || cooldownPerAddress) && !c.siteCapRefuses { try countSiteSend(now: now) }
    }

    var siteSendCounter: String { keys.hex("site", domain: "otp-site-hour") }

    /// The site-wide hourly count of codes sent without a session, as an
    /// alarm: past `sitePerHour` (and at each doubling after it) the audit
    /// log and the error log say so, and sending goes on. Anyone can spend
    /// a site-wide budget; as a hard stop it would let some fifty networks
    /// block every reset and verification on the site.
    func countSiteSend(now: Int64) throws {
        let window = RateWindow(limit: Int.max / 2)
        var count = 0
        try store.updateCounter(siteSendCounter) {
            _ = window.take(&$0, now: now)
            count = $0.count
        }
        // Thinned like every flood's lines: the 1st, 2nd, 4th, 8th… send past the cap.
        let cap = policy.codes.sitePerHour
        if count > cap, AuditTrail.isMilestone(count - cap) {
            audit.record("code_send_site_alarm", at: now, [("sent_this_hour", .int(count)), ("otp_sends_per_hour_site", .int(cap))])
            logger.error("\(count) codes sent without a session this hour, past otp_sends_per_hour_site (\(cap)); sending goes on (otp_site_cap = alarm)")
        }
    }

    /// Creates a code (replacing any earlier one for this user and purpose)
    /// and spools the mail. An unknown address gets the same answer and the
    /// same work — a code record under its would-be id and a decoy spool
    /// write — unless the site asked for the original's 404.
    /// `session`: the request's session, if it has one; a session of this
    /// address's own account sends under budgets of its own.
    package func sendCode(to email: EmailAddress, purpose: CodePurpose, clientIP: String, language: String = "",
                         session: Authenticated? = nil) throws {
        let now = clock.now()
        if purpose == .login && !policy.codes.loginEnabled { throw AccountError.purposeDisabled(purpose.rawValue) }
        let user = try findUser(email)
        if user == nil && policy.codes.unknownAddress404 { throw AccountError.unknownAddress }
        let ownSession = user != nil && session.map { $0.user.id == user!.id } == true
        try takeSendAllowance(email, ownAccount: ownSession ? user?.id : nil, clientIP: clientIP, now: now)
        // An address without an account gets its code record under its would-be id, the address's key.
        let uid = user?.id ?? addressKey(email)
        try issueCode(codeID(userID: uid, purpose: purpose, signedIn: ownSession), of: uid, purpose: purpose.rawValue, to: email,
                      language: language, decoy: user == nil, now: now)
        audit.record(user == nil ? "code_requested_unknown" : "code_sent", at: now, user: email, ip: clientIP,
                     [("purpose", .string(purpose.rawValue))])
    }

    /// A new code in record `id` (replacing any earlier one) and its mail
    /// spooled, or a decoy written in its place.
    func issueCode(_ id: String, of uid: String, purpose: String, to email: EmailAddress, language: String, decoy: Bool,
                   now: Int64) throws {
        let issued = try writeCode(id, of: uid, purpose: purpose, now: now)
        try mail.queue(codeMail(issued, purpose: purpose, to: email, language: language), decoy: decoy)
    }

    /// A code just written, and whether it replaced one still valid.
    struct IssuedCode {
        let code: String
        let replaced: Bool
    }

    /// A new code in record `id`, replacing any earlier one. `payload`:
    /// what the code, once verified, completes (a sign-up's password hash).
    func writeCode(_ id: String, of uid: String, purpose: String, payload: String = "", now: Int64) throws -> IssuedCode {
        let code = newCode()
        let replaced = try store.loadCode(id).map { $0.expires > now } ?? false
        try store.putCode(CodeRecord(id: id, userID: uid, purpose: purpose, codeHash: codeHash(code, id: id),
                                     created: now, expires: now + Int64(policy.codes.lifetime), payload: payload))
        return IssuedCode(code: code, replaced: replaced)
    }

    func codeMail(_ issued: IssuedCode, purpose: String, to email: EmailAddress, language: String) -> OutgoingMail {
        OutgoingMail(to: email, template: "otp", values: [
            "code": issued.code, "purpose": purpose, "minutes": String(max(1, policy.codes.lifetime / 60)),
            "replaces": issued.replaced ? "yes" : "",
        ], language: language)
    }

    /// Checks a code in constant time and consumes it atomically: the same
    /// code never verifies twice and `otp_max_tries` wrong guesses kill it.
    /// Before the code is looked at, the guess is counted in hourly budgets
    /// of the guesser's own. Without a session: per account, purpose and
    /// client network (it survives a resend, so resending never buys
    /// guesses), and per client network and wider network across all
    /// accounts (so spraying codes over many accounts is bounded). With a
    /// session of the account (a step-up): per account and purpose for its
    /// sessions alone, which no one on the same network can spend. A
    /// success gives every one back. A guess when no code is outstanding
    /// does not count against the account: whoever lacks the mailbox
    /// cannot use up the owner's tries.
    @discardableResult
    func verifyCode(_ code: String, for email: EmailAddress, purpose: CodePurpose, clientIP: String) throws -> UserRecord {
        try verifyCode(code, for: email, purpose: purpose, clientIP: clientIP, signedIn: false)
    }

    func verifyCode(_ code: String, for email: EmailAddress, purpose: CodePurpose, clientIP: String, signedIn: Bool) throws -> UserRecord {
        let uid = try accountID(for: email) ?? addressKey(email)
        // With a session, its own step-up code, and also one sent without a
        // session (the original's clients ask for a code by address, then
        // verify it signed in). Without a session, only the latter: a guess
        // from outside never reaches, nor kills, a step-up code.
        let ids = [codeID(userID: uid, purpose: purpose, signedIn: false)]
            + (signedIn ? [codeID(userID: uid, purpose: purpose, signedIn: true)] : [])
        return try checkCode(code, ids: ids, accountID: uid, address: email, purpose: purpose.rawValue, clientIP: clientIP,
                             signedIn: signedIn)
    }

    /// The check itself, for the code records `ids` (the first one that
    /// takes the code wins) of account `uid`, sent to `address`.
    func checkCode(_ code: String, ids: [String], accountID uid: String, address email: EmailAddress, purpose: String,
                   clientIP: String, signedIn: Bool) throws -> UserRecord {
        var user: UserRecord?
        try spendCode(code, ids: ids, accountID: uid, address: email, purpose: purpose, clientIP: clientIP, signedIn: signedIn) { _ in
            // An administrator's lock holds; a lock for failed sign-ins does
            // not stop a reset, which is how the owner gets back in.
            user = try store.loadUser(uid)
            return user.map { $0.lock != .admin } ?? false
        }
        // The account's address, not the one presented (a new address's code).
        audit.record("code_verified", at: clock.now(), user: user!.email, ip: clientIP, [("purpose", .string(purpose))])
        return user!
    }

    /// Counts the guess, then consumes the code if it is right; `honour`
    /// then says whether what the code was for can still be done (false:
    /// answered like a wrong code). The record the code consumed; the
    /// caller records the success, naming the account.
    @discardableResult
    func spendCode(_ code: String, ids: [String], accountID uid: String, address email: EmailAddress, purpose: String,
                   clientIP: String, signedIn: Bool, honour: (CodeRecord) throws -> Bool) throws -> CodeRecord {
        let now = clock.now()
        let budgets: [Budget]
        if signedIn {
            budgets = [Budget(key: keys.hex(uid + "\u{0}" + purpose, domain: "otp-failures-session"),
                              window: RateWindow(limit: policy.codes.maxFailuresPerHour))]
        } else {
            budgets = [Budget(key: keys.hex(uid + "\u{0}" + purpose + "\u{0}" + clientNetwork(clientIP), domain: "otp-failures"),
                              window: RateWindow(limit: policy.codes.maxFailuresPerHour))]
                + clientBudgets("otp-verify-ip", clientIP: clientIP, perHour: policy.codes.verifyFailuresPerHourPerClient)
        }
        // With no code outstanding the guess can win nothing, and the
        // account's own budget would be taken only to be given straight
        // back: the client's budgets alone count it (a botnet's flood is
        // still paid for, network by network). A code sent after this look
        // was not this guess's to check.
        let outstanding = try ids.contains { try store.loadCode($0) != nil }
        let charged = outstanding ? budgets : Array(budgets.dropFirst())
        var counts = [Int]()
        if let spent = try take(charged, now: now, counts: &counts) {
            if AuditTrail.isMilestone(spent.refusals) {
                audit.record("code_throttled", at: now, user: email, ip: clientIP, [("refused_so_far", .int(spent.refusals))])
            }
            throw AccountError.throttled(retryAfter: spent.wait)
        }
        // The client's wrong codes this hour across accounts (the account's own, signed in).
        let clientFailures = outstanding ? counts[min(1, counts.count - 1)] : counts.first ?? 0

        var outcome = CodeOutcome.none
        var spent: CodeRecord?
        if outstanding {
            for id in ids where outcome != .ok {
                let (o, record) = try consume(code, id, now: now)
                outcome = max(outcome, o)
                spent = record ?? spent
            }
            switch outcome {
            case .ok: try giveBack(budgets, now: now)
            case .none, .expired: try giveBack(budgets[..<1], now: now)
            case .wrong: break
            }
        }
        guard outcome == .ok, let spent, try honour(spent) else {
            // Every one of a client's first ten wrong codes in the hour, then
            // milestones carrying the running total: a site that raises the
            // per-client budget does not get a line per guess in a flood.
            // A guess at no code at all can win nothing, and a botnet's come
            // from a new network each (no client's count grows): those get a
            // line at milestones of this worker's hourly count, which says
            // how big the flood is without a line per guess.
            var extra: [(String, JSONValue)] = [("purpose", .string(purpose)), ("client_failures", .int(clientFailures))]
            let recorded: Bool
            if outcome == .none {
                let n = audit.countThisHour("code_failed_no_code", at: now)
                extra.append(("no_code", .bool(true)))
                extra.append(("no_code_guesses_this_hour_this_worker", .int(n)))
                recorded = AuditTrail.isMilestone(n)
            } else {
                recorded = clientFailures <= 10 || AuditTrail.isMilestone(clientFailures)
            }
            if recorded {
                audit.record(outcome == .expired ? "code_expired" : "code_failed", at: now, user: email, ip: clientIP, extra)
            }
            throw AccountError.invalidCode
        }
        return spent
    }

    /// What a presented code did to one code record, from least to most
    /// telling: there was none, it had expired, it was wrong (a try
    /// counted; `otp_max_tries` of them kill it), it was right (consumed).
    enum CodeOutcome: Comparable { case none, expired, wrong, ok }

    /// Checks `code` against record `id` in constant time, under its lock;
    /// the record as it was consumed, when the code was right.
    func consume(_ code: String, _ id: String, now: Int64) throws -> (CodeOutcome, CodeRecord?) {
        var outcome = CodeOutcome.none
        var consumed: CodeRecord?
        let presented = codeHash(code, id: id)
        let result = try store.updateCode(id) { record in
            if record.expires <= now {
                outcome = .expired
                return false
            }
            if constantTimeEqual(presented, record.codeHash) {
                outcome = .ok
                consumed = record
                return false  // consumed
            }
            outcome = .wrong
            record.tries += 1
            return record.tries < policy.codes.maxTries
        }
        // A decision on a code that is gone by the time it would take
        // effect (another guess consumed it) is no decision.
        if case .missing = result { return (.none, nil) }
        return (outcome, consumed)
    }

    /// Every outstanding code of a user ends (after a password change).
    func invalidateCodes(of userID: String) throws {
        for purpose in CodePurpose.allCases {
            for signedIn in [false, true] { try store.deleteCode(codeID(userID: userID, purpose: purpose, signedIn: signedIn)) }
        }
    }
}
