@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import XCTest

/// Enrolment, proof and recovery codes on an injected clock: a time step
/// and a recovery code win once, the confirming code never signs in, the
/// secret is kept sealed.
final class SecondFactorTests: CodeTestCase {
    var user: UserRecord!
    var auth: Authenticated!

    /// The mails here are the second factor's: a sign-in from another
    /// client's network also mails a new-device notice, which is
    /// LifecycleTests' to test.
    override func make(policy: AccountPolicy = AccountPolicy()) throws {
        var quiet = policy
        quiet.newDeviceNotice = false
        try super.make(policy: quiet)
    }

    override func setUpWithError() throws {
        clock.t = 1_700_000_000
        try super.setUpWithError()
        user = try accounts.findUser(ann)
        auth = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                    clientIP: "192.0.2.1").token)
    }

    let client = ClientInfo(ip: "192.0.2.9", browser: "Firefox")

    /// The session as it is now (factors, step-up time).
    func current() throws -> Authenticated { try accounts.authenticate(token: auth.token) }

    func code(_ secret: String, stepsFromNow offset: Int64 = 0) throws -> String {
        try Accounts.totp.code(secret: Base32.decode(secret)!, counter: Accounts.totp.step(at: clock.t) + offset)
    }

    func enrol() throws -> (secret: String, recovery: [String]) {
        let enrolment = try accounts.beginTOTP(auth, issuer: "Example")
        let recovery = try accounts.confirmTOTP(try code(enrolment.secret), auth, client: client)
        return (enrolment.secret, recovery)
    }

    func testEnrolmentNeedsACodeFromTheAppAndShowsTenRecoveryCodesOnce() throws {
        let enrolment = try accounts.beginTOTP(auth, issuer: "Example Site")
        XCTAssertEqual(Base32.decode(enrolment.secret)?.count, 20)
        XCTAssertTrue(enrolment.uri.hasPrefix("otpauth://totp/Example%20Site:ann%40example.com?secret=\(enrolment.secret)&"))
        XCTAssertEqual(error { _ = try accounts.confirmTOTP("000000", auth, client: client) }, .invalidSecondFactor)
        XCTAssertFalse(try store.loadUser(user.id)!.secondFactor.enabled, "not active before a code from the app")
        let recovery = try accounts.confirmTOTP(try code(enrolment.secret), auth, client: client)
        XCTAssertEqual(recovery.count, 10)
        XCTAssertEqual(Set(recovery).count, 10)
        XCTAssertEqual(recovery.map { $0.prefix(2) }, (0..<10).map { "\($0)-" }, "each names its slot")
        XCTAssertTrue(recovery.allSatisfy { $0.count == 13 && Array($0)[7] == "-" })
        XCTAssertTrue(try store.loadUser(user.id)!.secondFactor.enabled)
    }

    func testTheCodeThatConfirmedCannotSignInButTheNextStepCan() throws {
        let (secret, _) = try enrol()
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode)
        clock.t += 30
        XCTAssertEqual(try accounts.proveSecondFactor(try code(secret), userID: user.id), .totp)
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode,
                       "a step is accepted once")
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret, stepsFromNow: -1), userID: user.id) },
                       .invalidCode, "nor an earlier one after it")
        XCTAssertEqual(try accounts.proveSecondFactor(try code(secret, stepsFromNow: 1), userID: user.id), .totp, "one step of drift")
    }

    func testARecoveryCodeWorksOnceInAnyCaseOrSpacing() throws {
        let (_, recovery) = try enrol()
        XCTAssertEqual(try accounts.proveSecondFactor(recovery[3].uppercased(), userID: user.id), .recoveryCode(left: 9))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(recovery[3], userID: user.id) }, .invalidCode)
        let spaced = recovery[4].replacingDash(with: " ")
        XCTAssertEqual(try accounts.proveSecondFactor(spaced, userID: user.id), .recoveryCode(left: 8))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor("zzzzz-zzzzz", userID: user.id) }, .invalidCode)
        // A code in another code's slot is no code.
        let moved = "5" + recovery[6].dropFirst()
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(moved, userID: user.id) }, .invalidCode)
        XCTAssertEqual(try accounts.proveSecondFactor(recovery[6], userID: user.id), .recoveryCode(left: 7))
    }

    func testAnOldSetsCodeIsNoCodeOnceNewOnesAreMade() throws {
        let (_, recovery) = try enrol()
        // Slot 0 holds another hash now: the old code's is gone with its set.
        let stale = try store.loadUser(user.id)!
        _ = try accounts.regenerateRecoveryCodes(try current(), client: client)
        let fresh = try store.loadUser(user.id)!
        XCTAssertNotEqual(stale.secondFactor.recoveryCodes[0], fresh.secondFactor.recoveryCodes[0])
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(recovery[0], userID: user.id) }, .invalidCode)
        XCTAssertEqual(try store.loadUser(user.id)!.secondFactor.recoveryCodesLeft, 10)
    }

    func testRegeneratingReplacesTheWholeSet() throws {
        let (_, old) = try enrol()
        let new = try accounts.regenerateRecoveryCodes(try current(), client: client)
        XCTAssertTrue(Set(old).isDisjoint(with: new))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(old[0], userID: user.id) }, .invalidCode)
        XCTAssertEqual(try accounts.proveSecondFactor(new[0], userID: user.id), .recoveryCode(left: 9))
    }

    func testDisablingEndsTheSecretAndTheCodes() throws {
        let (secret, recovery) = try enrol()
        try accounts.disableTOTP(try current(), client: client)
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(recovery[0], userID: user.id) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.regenerateRecoveryCodes(try current(), client: client) }, .secondFactorNotEnabled)
    }

    func testConfirmingRecordsTheFactorInTheSessionThatConfirmed() throws {
        XCTAssertEqual(auth.session.factors, [.password])
        _ = try enrol()
        XCTAssertEqual(try current().session.factors, [.password, .totp])
    }

    func testChangesToFactorsNeedARecentPasswordAndTheSecondFactor() throws {
        let (secret, _) = try enrol()
        clock.t += Int64(accounts.policy.reauthWindow) + 1
        XCTAssertEqual(error { _ = try accounts.regenerateRecoveryCodes(try current(), client: client) }, .reauthenticationRequired)
        XCTAssertEqual(error { try accounts.disableTOTP(try current(), client: client) }, .reauthenticationRequired)
        XCTAssertEqual(error { try accounts.reauthenticate(try current(), password: "password one", secondFactor: nil, client: client) },
                       .secondFactorRequired)
        XCTAssertEqual(error { try accounts.reauthenticate(try current(), password: "wrong", secondFactor: nil, client: client) },
                       .secondFactorRequired, "without a code the password is not looked at: right and wrong answer alike")
        XCTAssertEqual(error { try accounts.reauthenticate(try current(), password: "wrong", secondFactor: try code(secret), client: client) },
                       .reauthenticationFailed)
        try accounts.reauthenticate(try current(), password: "password one", secondFactor: try code(secret), client: client)
        XCTAssertNoThrow(try accounts.regenerateRecoveryCodes(try current(), client: client))
        // Another session of the account, opened with the password alone
        // before the enrolment... none here: a sign-in now needs the code.
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b") },
                       .secondFactorRequired)
    }

    func testAnEnrolledAccountSignsInWithTheCodeAndTheSessionSaysSo() throws {
        let (secret, recovery) = try enrol()
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                                        secondFactor: .code("000000")) }, .invalidSecondFactor)
        let withCode = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                           secondFactor: .code(try code(secret)))
        XCTAssertEqual(try accounts.authenticate(token: withCode.token).session.factors, [.password, .totp])
        let withRecovery = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                               secondFactor: .code(recovery[0]))
        XCTAssertEqual(try accounts.authenticate(token: withRecovery.token).session.factors, [.password, .recoveryCode])
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "wrong", clientIP: "b",
                                                        secondFactor: .code(recovery[1])) }, .invalidCredentials,
                       "a wrong password answers as it always did")
    }

    func testWrongCodesCountInTheAccountsBackOffAndTheRightPasswordAloneClearsNothing() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(freeFailures: 3)))
        user = try accounts.addUser(ann, password: "password one")
        auth = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                    clientIP: "192.0.2.1").token)
        let (secret, _) = try enrol()
        clock.t += 30
        for _ in 0..<2 {
            _ = error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                                secondFactor: .code("000000")) }
            _ = error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b") }
        }
        // Four counted: the right password without a code never reset them.
        if case .throttled = error({ _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                                             secondFactor: .code(try code(secret))) }) {} else {
            XCTFail("the back-off stands")
        }
    }

    func testABrowsersSecondStepEndsAfterFiveWrongCodesAndIsNotASession() throws {
        let (secret, _) = try enrol()
        clock.t += 30
        guard case .secondStep(let ticket) = try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                  clientIP: "b", secondFactor: .later) else {
            return XCTFail("expected a second step")
        }
        XCTAssertEqual(error { _ = try accounts.authenticate(token: ticket.token) }, .notAuthenticated, "not a session")
        for _ in 0..<4 {
            XCTAssertEqual(error { _ = try accounts.completeSecondStep(ticket: ticket.token, code: "000000", client: client) },
                           .invalidSecondFactor)
            clock.t += 20  // past the back-off
        }
        XCTAssertEqual(error { _ = try accounts.completeSecondStep(ticket: ticket.token, code: "000001", client: client) },
                       .invalidSecondFactor)
        clock.t += 20
        XCTAssertEqual(error { _ = try accounts.completeSecondStep(ticket: ticket.token, code: try code(secret), client: client) },
                       .notAuthenticated, "the fifth wrong code ended it")
        guard case .secondStep(let again) = try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                 clientIP: "b", secondFactor: .later) else { return XCTFail() }
        clock.t += 60
        let opened = try accounts.completeSecondStep(ticket: again.token, code: try code(secret), client: client)
        XCTAssertEqual(try accounts.authenticate(token: opened.token).session.factors, [.password, .totp])
        XCTAssertEqual(error { _ = try accounts.completeSecondStep(ticket: again.token, code: try code(secret, stepsFromNow: 1),
                                                                   client: client) }, .notAuthenticated, "used up")
    }

    func testATicketExpires() throws {
        let (secret, _) = try enrol()
        guard case .secondStep(let ticket) = try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                  clientIP: "b", secondFactor: .later) else { return XCTFail() }
        clock.t += Int64(accounts.policy.secondStepLifetime)
        XCTAssertEqual(error { _ = try accounts.completeSecondStep(ticket: ticket.token, code: try code(secret), client: client) },
                       .notAuthenticated)
    }

    func testTheAdministratorsResetEndsTheFactorAndEverySession() throws {
        _ = try enrol()
        XCTAssertTrue(try accounts.resetSecondFactor(of: ann))
        XCTAssertEqual(error { _ = try current() }, .notAuthenticated)
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b").token)
    }

    func testTheOwnerIsToldOfEachChangeAndOfACodeThatFailedAfterTheRightPassword() throws {
        let (secret, recovery) = try enrol()
        XCTAssertEqual(mail.sent.map(\.template), ["mfa-enabled"])
        XCTAssertEqual(mail.sent[0].values["ip"], "192.0.2.9")
        clock.t += 30
        _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b", language: "de",
                                secondFactor: .code(recovery[0]))
        XCTAssertEqual(mail.sent.last?.template, "recovery-code-used")
        XCTAssertEqual(mail.sent.last?.values["left"], "9")
        XCTAssertEqual(mail.sent.last?.language, "de")
        for _ in 0..<3 {
            _ = error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                                secondFactor: .code("000000")) }
        }
        XCTAssertEqual(mail.sent.filter { $0.template == "second-step-failed" }.count, 1, "at most one an hour")
        _ = error { _ = try accounts.signIn(username: "ann@example.com", password: "wrong", clientIP: "b",
                                            secondFactor: .code("000000")) }
        XCTAssertEqual(mail.sent.filter { $0.template == "second-step-failed" }.count, 1, "a wrong password is not news")
        clock.t += 3600
        _ = error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                            secondFactor: .code("000000")) }
        XCTAssertEqual(mail.sent.filter { $0.template == "second-step-failed" }.count, 2)
        clock.t += 900  // past the back-off of these failures
        auth = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                    clientIP: "c", secondFactor: .code(try code(secret))).token)
        _ = try accounts.regenerateRecoveryCodes(try current(), client: client)
        try accounts.disableTOTP(try current(), client: client)
        XCTAssertEqual(Array(mail.sent.map(\.template).suffix(2)), ["recovery-codes-regenerated", "mfa-disabled"])
        XCTAssertTrue(mail.sent.allSatisfy { $0.to == ann })
        XCTAssertFalse(mail.sent.contains { m in m.values.values.contains { v in recovery.contains(v) || v == secret } })
    }

    /// A session authenticated, then revoked by a change elsewhere before
    /// its own change is written, changes nothing: decided on the record.
    func testASessionRevokedMeanwhileChangesNothing() throws {
        _ = try enrol()
        let stale = try current()
        _ = try accounts.revokeSessions(of: ann)
        XCTAssertEqual(error { try accounts.disableTOTP(stale, client: client) }, .notAuthenticated)
        XCTAssertTrue(try store.loadUser(user.id)!.secondFactor.enabled)
        XCTAssertEqual(error { _ = try accounts.regenerateRecoveryCodes(stale, client: client) }, .notAuthenticated)
        let before = try store.loadUser(user.id)!
        XCTAssertEqual(error { _ = try accounts.endOtherSessions(stale, client: client) }, .notAuthenticated)
        XCTAssertEqual(try store.loadUser(user.id)!.survivingSession, before.survivingSession, "not revived")
    }

    /// A password-only session inside its window, racing the owner's
    /// enrolment from another session, cannot remove or replace the new
    /// factor, nor read a secret awaiting confirmation.
    func testAFactorEnrolledMeanwhileNeedsThisSessionToProveIt() throws {
        let other = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                         clientIP: "192.0.2.2").token)
        _ = try accounts.beginTOTP(other, issuer: "Example")
        XCTAssertNotNil(accounts.pendingTOTP(try accounts.authenticate(token: other.token), issuer: "Example"))
        let stale = try current()   // authenticated before the enrolment below
        _ = try enrol()
        XCTAssertEqual(error { try accounts.disableTOTP(stale, client: client) }, .reauthenticationRequired)
        XCTAssertTrue(try store.loadUser(user.id)!.secondFactor.enabled)
        _ = try accounts.beginTOTP(try current(), issuer: "Example")
        XCTAssertNil(accounts.pendingTOTP(try accounts.authenticate(token: other.token), issuer: "Example"),
                     "a session without the factor is not shown the secret")
    }

    func testTheSecretIsSealedAtRestAndTheRecoveryCodesHashed() throws {
        let (secret, recovery) = try enrol()
        let stored = try store.loadUser(user.id)!.secondFactor
        let raw = Base32.decode(secret)!
        XCTAssertFalse(stored.totpSecret.contains(secret))
        XCTAssertFalse(stored.totpSecret.contains(Base64.url(raw)))
        XCTAssertNotNil(SecretBox(keys: accounts.keys, purpose: "totp-secret").open(Base64.decodeURL(stored.totpSecret)!))
        XCTAssertNil(SecretBox(keys: KeyedHasher(key: [UInt8](repeating: 1, count: 32)), purpose: "totp-secret")
            .open(Base64.decodeURL(stored.totpSecret)!), "another server key cannot read it")
        XCTAssertEqual(stored.recoveryCodes.count, 10)
        XCTAssertTrue(stored.recoveryCodes.allSatisfy { $0.hasPrefix("$argon2id$") }, "a salted slow hash each (ASVS 6.5.2)")
        XCTAssertEqual(Set(stored.recoveryCodes).count, 10)
    }

    /// A wrong code from the app costs a HMAC, not ten Argon2id hashes: the
    /// recovery codes are made once the code is right.
    func testConfirmingChecksTheCodeBeforeMakingRecoveryCodes() throws {
        let counting = CountingHasher(hasher)
        accounts = Accounts(store: accounts.store, hasher: counting, keys: accounts.keys, clock: clock, random: accounts.random,
                            policy: accounts.policy, audit: accounts.audit, logger: accounts.logger,
                            dummyHash: accounts.dummyHash, mail: mail)
        let enrolment = try accounts.beginTOTP(auth, issuer: "Example")
        for _ in 0..<3 { _ = error { _ = try accounts.confirmTOTP("000000", try current(), client: client) } }
        XCTAssertEqual(counting.hashes, 0)
        XCTAssertEqual(try accounts.confirmTOTP(try code(enrolment.secret), try current(), client: client).count, 10)
        XCTAssertEqual(counting.hashes, 10)
    }

    /// Someone with the password and the mailbox resets the password by
    /// code as often as they like: the account's back-off and lock start
    /// again each time, the second factor's own count does not. Past its
    /// limit the app's codes are refused unread; a recovery code (50 bits,
    /// not worth guessing) still signs the owner in and clears it.
    func testAResetByCodeGivesNoFreshGuessesAtTheSecondFactor() throws {
        var p = AccountPolicy(throttle: ThrottlePolicy(freeFailures: 2, baseDelay: 1, maxDelay: 4, lockAfter: 6))
        p.codes.cooldown = 0
        try make(policy: p)
        user = try accounts.addUser(ann, password: "password one")
        auth = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                    clientIP: "192.0.2.1").token)
        let (secret, recovery) = try enrol()
        var password = "password one"
        for round in 0..<3 {
            for _ in 0..<2 {
                clock.t += 5
                _ = error { _ = try accounts.signIn(username: "ann@example.com", password: password, clientIP: "b",
                                                    secondFactor: .code("000000")) }
            }
            // A reset by code: the account's count and any lock go.
            clock.t += 5
            _ = try accounts.sendCode(to: ann, purpose: .reset, clientIP: "b")
            guard case .resetGrant(let grant) = try accounts.redeemCode(mail.sent.last!.values["code"]!, for: ann, purpose: .reset,
                                                                          clientIP: "b") else { return XCTFail() }
            password = "new password \(round)"
            try accounts.changePassword(try accounts.authenticate(token: grant.token, allowResetGrant: true), old: nil, new: password, clientIP: "b")
        }
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: password, clientIP: "b",
                                                        secondFactor: .code(try code(secret))) }, .invalidSecondFactor,
                       "six wrong codes across three resets: the app's codes are refused, the right one too")
        XCTAssertTrue(audit.text.contains("\"event\":\"second_factor_locked\""))
        clock.t += 5
        let opened = try accounts.signIn(username: "ann@example.com", password: password, clientIP: "b",
                                         secondFactor: .code(recovery[0]))
        XCTAssertEqual(try accounts.authenticate(token: opened.token).session.factors, [.password, .recoveryCode])
        clock.t += 30
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: password, clientIP: "b",
                                             secondFactor: .code(try code(secret))), "a recovery code cleared the count")
    }

    func undoCode() throws -> String { try XCTUnwrap(mail.sent.first { $0.template == "mfa-enabled" }?.values["undo_code"]) }

    /// A session taken over inside its step-up window can enrol the thief's
    /// app. The owner, who still has the password (changing it needs the
    /// old one) and the mailbox, signs in with the password and the undo
    /// code from the mail that told them: the factor goes, and with it
    /// every session, the thief's included.
    func testTheOwnerUndoesAFirstEnrolmentWithThePasswordAndTheCodeMailedAboutIt() throws {
        let thief = auth!
        _ = try enrol()
        let undo = try undoCode()
        XCTAssertEqual(undo.count, 23, "four groups of five")
        clock.t += 3600
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "wrong", clientIP: "c",
                                                        secondFactor: .code(undo)) }, .invalidCredentials)
        let opened = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "c",
                                         secondFactor: .code(undo.lowercased()))
        XCTAssertEqual(try accounts.authenticate(token: opened.token).session.factors, [.password])
        XCTAssertFalse(try store.loadUser(user.id)!.secondFactor.enabled)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: thief.token) }, .notAuthenticated)
        XCTAssertEqual(mail.sent.last?.template, "mfa-disabled")
        XCTAssertTrue(audit.text.contains("\"event\":\"mfa_undone\""))
        // Used up: the factor it undid is gone. Enrolled again, it is no code.
        auth = try accounts.authenticate(token: opened.token)
        _ = try enrol()
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "c",
                                                        secondFactor: .code(undo)) }, .invalidSecondFactor)
    }

    func testAnUndoCodeNeedsThePasswordOfItsTimeWithinSevenDaysAtSignIn() throws {
        var p = AccountPolicy()
        p.codes.loginEnabled = true
        try make(policy: p)
        user = try accounts.addUser(ann, password: "password one")
        auth = try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                    clientIP: "192.0.2.1").token)
        let (secret, _) = try enrol()
        let undo = try undoCode()
        // Not after sign-in by e-mailed code: the mailbox alone undoes nothing.
        _ = try accounts.sendCode(to: ann, purpose: .login, clientIP: "b")
        XCTAssertEqual(error { _ = try accounts.redeemCode(mail.sent.last!.values["code"]!, for: ann, purpose: .login, clientIP: "b",
                                                           secondFactor: .code(undo)) }, .invalidSecondFactor)
        // Nor at re-authentication, nor once seven days have gone.
        clock.t += 30
        XCTAssertEqual(error { try accounts.reauthenticate(try current(), password: "password one", secondFactor: undo, client: client) },
                       .reauthenticationFailed)
        clock.t += 7 * 86400
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                                        secondFactor: .code(undo)) }, .invalidSecondFactor)
        XCTAssertTrue(try store.loadUser(user.id)!.secondFactor.enabled)
        // A new password (a reset by code, say) voids it too.
        clock.t -= 7 * 86400
        clock.t += 3600
        let session = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "b",
                                          secondFactor: .code(try code(secret)))
        try accounts.changePassword(try accounts.authenticate(token: session.token), old: "password one", new: "password two",
                                    clientIP: "b")
        clock.t += 60
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password two", clientIP: "b",
                                                        secondFactor: .code(undo)) }, .invalidSecondFactor)
    }

    /// Whoever enrolled cannot void the owner's code by enrolling again:
    /// that mails a new one, and the old one ends with the secret it named.
    func testReplacingAFactorMailsANewUndoCodeAndEndsTheOld() throws {
        _ = try enrol()
        clock.t += 30
        auth = try current()
        _ = try enrol()
        let codes = mail.sent.filter { $0.template == "mfa-enabled" }.compactMap { $0.values["undo_code"] }
        XCTAssertEqual(codes.count, 2)
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "c",
                                                        secondFactor: .code(codes[0])) }, .invalidSecondFactor)
        XCTAssertEqual(try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one",
                                                                            clientIP: "c", secondFactor: .code(codes[1])).token)
            .session.factors, [.password])
    }
}

extension String {
    func replacingDash(with s: String) -> String { split(separator: "-").joined(separator: s) }
}
