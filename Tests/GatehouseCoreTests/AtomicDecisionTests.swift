@testable import GatehouseCore
import GatehouseCrypto
import GatehouseStore
import Foundation
import XCTest
import GatehouseSystem

/// The decisions that must be taken on the state they change, under its
/// lock (docs/security.md, "Decisions under parallel requests"), on an
/// injected clock. Interleavings are staged by holding two snapshots of the
/// same credential, as two workers would; tests/concurrency drives the same
/// rules through real parallel workers.
final class AtomicDecisionTests: CoreTestCase {
    let ann = try! EmailAddress.parse("ann@example.com").get()

    func session(_ password: String = "password one", ip: String = "192.0.2.1") throws -> Authenticated {
        let token = try accounts.signIn(username: ann.description, password: password, clientIP: ip).token
        return try accounts.authenticate(token: token)
    }

    func signsIn(_ password: String) -> Bool {
        clock.t += 3600
        return (try? accounts.signIn(username: ann.description, password: password, clientIP: "198.51.100.9")) != nil
    }

    func testAChangeDecidedOnAStaleHashIsRefused() throws {
        try accounts.addUser(ann, password: "password one")
        let first = try session(), second = try accounts.authenticate(token: first.token)
        try accounts.changePassword(first, old: "password one", new: "first new passphrase", clientIP: "ip")
        XCTAssertEqual(error { try accounts.changePassword(second, old: "password one", new: "second new passphrase", clientIP: "ip") },
                       .changedMeanwhile)
        XCTAssertTrue(signsIn("first new passphrase"))
        XCTAssertFalse(signsIn("second new passphrase"))
    }

    func testTheChangingSessionSurvivesItsChangeAndTheOthersEnd() throws {
        try accounts.addUser(ann, password: "password one")
        let mine = try session(), other = try session()
        try accounts.changePassword(mine, old: "password one", new: "a new passphrase", clientIP: "ip")
        XCTAssertNoThrow(try accounts.authenticate(token: mine.token))
        XCTAssertEqual(error { _ = try accounts.authenticate(token: other.token) }, .notAuthenticated)
        // It can change again, from the snapshot a later request would load.
        try accounts.changePassword(try accounts.authenticate(token: mine.token), old: "a new passphrase",
                                    new: "yet another passphrase", clientIP: "ip")
        XCTAssertNoThrow(try accounts.authenticate(token: mine.token))
        // An administrator's revocation ends it too.
        _ = try accounts.revokeSessions(of: ann)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: mine.token) }, .notAuthenticated)
    }

    func testAnAdministratorsPasswordWinsOverAChangeInFlight() throws {
        try accounts.addUser(ann, password: "password one")
        let inFlight = try session()
        try accounts.setPassword(ann, password: "set by the administrator")
        XCTAssertEqual(error { try accounts.changePassword(inFlight, old: "password one", new: "attacker choice!", clientIP: "ip") },
                       .changedMeanwhile)
        XCTAssertTrue(signsIn("set by the administrator"))
    }

    func testAResetGrantIsConsumedBeforeItIsHonoured() throws {
        let user = try accounts.addUser(ann, password: "password one")
        let grant = try accounts.openResetGrant(for: user, clientIP: "ip")
        let a = try accounts.authenticate(token: grant.token, allowResetGrant: true)
        let b = try accounts.authenticate(token: grant.token, allowResetGrant: true)
        try accounts.changePassword(a, old: nil, new: "first reset passphrase", clientIP: "ip")
        XCTAssertEqual(error { try accounts.changePassword(b, old: nil, new: "second reset passphrase", clientIP: "ip") },
                       .notAuthenticated)
        XCTAssertTrue(signsIn("first reset passphrase"))
    }

    func testAReplacedHashIsNotRehashedBack() throws {
        // mkpasswd -m sha-512 password
        let legacy = "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1"
        let stale = try accounts.importUser(ann, hash: legacy)
        try accounts.setPassword(ann, password: "the newer password")
        try accounts.rehash(stale, password: PasswordText("password"))
        XCTAssertTrue(signsIn("the newer password"))
        XCTAssertFalse(signsIn("password"))
    }

    func testAGuessIsCountedBeforeItIsChecked() throws {
        try accounts.addUser(ann, password: "password one")
        // Six guesses in flight at once: five get a look, the sixth is refused
        // before any of them has finished.
        for i in 0..<5 {
            XCTAssertNoThrow(try accounts.beginSignInAttempt(account: ann.description, clientIP: "198.51.100.\(i)", now: clock.t))
        }
        XCTAssertEqual(error { _ = try accounts.beginSignInAttempt(account: ann.description, clientIP: "198.51.100.9", now: clock.t) },
                       .throttled(retryAfter: 1))
    }

    func testNoAccountSeesMoreVerificationsThanTheLockAllows() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(freeFailures: 100, lockAfter: 3)))
        try accounts.addUser(ann, password: "password one")
        let attempts = try (0..<3).map { try accounts.beginSignInAttempt(account: ann.description, clientIP: "ip\($0)", now: clock.t) }
        XCTAssertEqual(error { _ = try accounts.beginSignInAttempt(account: ann.description, clientIP: "ip9", now: clock.t) },
                       .accountLocked)
        for a in attempts { try accounts.signInFailed(a, user: try accounts.findUser(ann), clientIP: "ip", now: clock.t) }
        XCTAssertEqual(try accounts.findUser(ann)?.lock, .failures)
    }

    func testASuccessClearsTheAccountCountNotTheClientCount() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(clientFailuresPerHour: 3)))
        try accounts.addUser(ann, password: "password one")
        let spray = { (n: Int) in self.error { _ = try self.accounts.signIn(username: "v\(n)@example.com", password: "guess", clientIP: "x") } }
        XCTAssertEqual(spray(1), .invalidCredentials)
        XCTAssertEqual(spray(2), .invalidCredentials)
        XCTAssertNoThrow(try accounts.signIn(username: ann.description, password: "password one", clientIP: "x"))
        XCTAssertEqual(spray(3), .invalidCredentials)
        XCTAssertEqual(spray(4), .throttled(retryAfter: 3600))
        clock.t += 3600
        XCTAssertEqual(spray(5), .invalidCredentials)
    }

    func testAResetByCodeLiftsALockForFailuresButNotAnAdministratorsLock() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(freeFailures: 100, lockAfter: 2)))
        let user = try accounts.addUser(ann, password: "password one")
        for i in 0..<2 { _ = error { _ = try accounts.signIn(username: ann.description, password: "bad", clientIP: "ip\(i)") } }
        XCTAssertEqual(error { _ = try accounts.signIn(username: ann.description, password: "password one", clientIP: "ip") },
                       .accountLocked)
        let grant = try accounts.openResetGrant(for: try accounts.findUser(ann)!, clientIP: "ip")
        try accounts.changePassword(try accounts.authenticate(token: grant.token, allowResetGrant: true), old: nil,
                                    new: "back in by myself", clientIP: "ip")
        XCTAssertEqual(try accounts.findUser(ann)?.lock, UserRecord.Lock.none)
        XCTAssertNoThrow(try accounts.signIn(username: ann.description, password: "back in by myself", clientIP: "ip"))

        try accounts.setLocked(ann, true)
        let second = try accounts.openResetGrant(for: user, clientIP: "ip")
        XCTAssertEqual(error { _ = try accounts.authenticate(token: second.token, allowResetGrant: true) }, .notAuthenticated)
    }

    func testADeletedAccountAddedAgainRevivesNoSession() throws {
        try accounts.addUser(ann, password: "password one")
        let old = try session()
        let stored = try accounts.store.loadSession(old.session.id)!
        try accounts.deleteUser(ann)
        XCTAssertNil(try accounts.store.loadSession(old.session.id), "deletion removes the session files")
        try accounts.addUser(ann, password: "password one")
        // Even a session file that escaped the deletion (opened meanwhile)
        // is bound to the old account's generation, not the address.
        try accounts.store.insertSession(stored)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: old.token) }, .notAuthenticated)
    }
}

/// The code rules that protect the owner from whoever lacks the mailbox.
final class CodeBudgetTests: CodeTestCase {
    func verify(_ code: String, ip: String, _ who: EmailAddress? = nil) -> AccountError? {
        error { try accounts.verifyCode(code, for: who ?? ann, purpose: .reset, clientIP: ip) }
    }

    func testGuessesWithoutACodeDoNotUseUpTheOwnersTries() throws {
        for _ in 0..<30 { _ = verify("000000", ip: "attacker") }
        XCTAssertEqual(verify("000000", ip: "attacker"), .throttled(retryAfter: 3600), "the attacker's own budget is spent")
        let code = try send(.reset, ip: "owner")
        XCTAssertNil(verify(code, ip: "owner"))
    }

    func testWrongGuessesAtTheOwnersCodeSpendTheGuessersBudgetOnly() throws {
        var code = try send(.reset, ip: "owner")
        for round in 0..<3 {
            for _ in 0..<4 { _ = verify(wrong(code), ip: "attacker") }
            clock.t += 60
            if round < 2 { code = try send(.reset, ip: "owner") }
        }
        XCTAssertEqual(verify(code, ip: "attacker"), .throttled(retryAfter: 3600 - 180))
        XCTAssertNil(verify(code, ip: "owner"))
    }

    func testWrongCodesAcrossAccountsAreLimitedPerClient() throws {
        var p = AccountPolicy()
        p.codes.verifyFailuresPerHourPerClient = 3
        try make(policy: p)
        try accounts.addUser(ann, password: "password one")
        let others = (0..<4).map { try! EmailAddress.parse("user\($0)@example.com").get() }
        for o in others.prefix(3) { XCTAssertEqual(verify("000000", ip: "sprayer", o), .invalidCode) }
        XCTAssertEqual(verify("000000", ip: "sprayer", others[3]), .throttled(retryAfter: 3600))
        XCTAssertEqual(verify("000000", ip: "someone else", others[3]), .invalidCode)
    }
}

/// Budgets that anyone can spend (a network's, the site's) and the wider
/// networks around each client.
final class SharedBudgetTests: CodeTestCase {
    func policy(_ change: (inout AccountPolicy) -> Void) throws {
        var p = AccountPolicy()
        p.codes.cooldown = 0
        change(&p)
        try make(policy: p)
        try accounts.addUser(ann, password: "password one")
    }

    func sendAnonymously(_ to: String, ip: String) -> AccountError? {
        error { try accounts.sendCode(to: email(to), purpose: .reset, clientIP: ip) }
    }

    /// With a session of its own account, a step-up spends that account's
    /// own budgets only: floods from the owner's network and from everywhere
    /// (the site cap set to refuse) do not stop it.
    func testAnonymousFloodsNeverStopASignedInStepUp() throws {
        try policy {
            $0.codes.sitePerHour = 3
            $0.codes.siteCapRefuses = true
            $0.codes.perIPPerHour = 2
            $0.codes.verifyFailuresPerHourPerClient = 2
        }
        XCTAssertNil(sendAnonymously("z@example.com", ip: "192.0.2.1"))
        XCTAssertNil(sendAnonymously(ann.description, ip: "192.0.2.1"))
        XCTAssertEqual(sendAnonymously("w@example.com", ip: "192.0.2.1"), .tooManyCodeRequests(retryAfter: 3600), "the network's")
        XCTAssertNil(sendAnonymously("x@example.com", ip: "198.51.100.7"))
        XCTAssertEqual(sendAnonymously("y@example.com", ip: "203.0.113.9"), .tooManyCodeRequests(retryAfter: 3600), "the site's")
        for i in 0..<2 { _ = error { try accounts.verifyCode("000000", for: email("v\(i)@example.com"), purpose: .reset, clientIP: "192.0.2.1") } }
        XCTAssertEqual(error { try accounts.verifyCode("000000", for: ann, purpose: .reset, clientIP: "192.0.2.1") },
                       .throttled(retryAfter: 3600), "the network's wrong-code budget is spent")

        let auth = try accounts.authenticate(token: try accounts.signIn(username: ann.description, password: "password one",
                                                                         clientIP: "192.0.2.1").token)
        try accounts.sendCode(to: ann, purpose: .verify, clientIP: "192.0.2.1", session: auth)
        let code = mail.sent.last!.values["code"]!
        XCTAssertEqual(error { try accounts.verifyCode(wrong(code), session: auth, purpose: .verify, clientIP: "192.0.2.1") }, .invalidCode)
        XCTAssertNil(error { try accounts.verifyCode(code, session: auth, purpose: .verify, clientIP: "192.0.2.1") })
    }

    /// Five wrong guesses kill a code; those of someone without a session
    /// never reach the code a signed-in person asked for (a record of its
    /// own), so the step-up cannot be kept dead from outside.
    func testGuessesWithoutASessionNeverKillAStepUpCode() throws {
        try policy { _ in }
        let auth = try accounts.authenticate(token: try accounts.signIn(username: ann.description, password: "password one",
                                                                         clientIP: "198.51.100.1").token)
        try accounts.sendCode(to: ann, purpose: .verify, clientIP: "198.51.100.1", session: auth)
        let code = mail.sent.last!.values["code"]!
        for i in 0..<6 {
            XCTAssertEqual(error { try accounts.verifyCode(wrong(code), for: ann, purpose: .verify, clientIP: "203.0.113.\(i)") }, .invalidCode)
            XCTAssertEqual(error { try accounts.verifyCode(code, for: ann, purpose: .verify, clientIP: "203.0.113.\(i)") }, .invalidCode,
                           "not a code anyone without the session can use either")
        }
        XCTAssertNil(error { try accounts.verifyCode(code, session: auth, purpose: .verify, clientIP: "198.51.100.1") })
        // The original's clients ask for a code by address, then verify it signed in: that still works.
        try accounts.sendCode(to: ann, purpose: .verify, clientIP: "198.51.100.1")
        XCTAssertNil(error { try accounts.verifyCode(mail.sent.last!.values["code"]!, session: auth, purpose: .verify, clientIP: "198.51.100.1") })
    }

    /// A session of another account is no session of this address: its
    /// sends count as anonymous ones, and spend nothing of the owner's own.
    func testAnotherAccountsSessionSendsAnonymously() throws {
        try policy { $0.codes.perAddressPerHour = 1 }
        let bob = email("bob@example.com")
        try accounts.addUser(bob, password: "password two")
        let bobs = try accounts.authenticate(token: try accounts.signIn(username: bob.description, password: "password two",
                                                                         clientIP: "192.0.2.7").token)
        try accounts.sendCode(to: ann, purpose: .verify, clientIP: "192.0.2.7", session: bobs)
        XCTAssertEqual(error { try accounts.sendCode(to: ann, purpose: .verify, clientIP: "192.0.2.7", session: bobs) },
                       .tooManyCodeRequests(retryAfter: 3600))
        let anns = try accounts.authenticate(token: try accounts.signIn(username: ann.description, password: "password one",
                                                                         clientIP: "198.51.100.1").token)
        XCTAssertNil(error { try accounts.sendCode(to: ann, purpose: .verify, clientIP: "198.51.100.1", session: anns) })
    }

    /// By default the site-wide cap is an alarm: an audit line (thinned to
    /// the 1st, 2nd, 4th… send past it) and sending goes on.
    func testTheSiteCapIsAnAlarmByDefault() throws {
        try policy { $0.codes.sitePerHour = 2 }
        for i in 0..<7 { XCTAssertNil(sendAnonymously("x\(i)@example.com", ip: "198.51.\(i).1")) }
        let alarms = try String(contentsOfFile: dir + "/audit.log", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"code_send_site_alarm\"") }
        XCTAssertEqual(alarms.count, 3, "\(alarms)")  // sends 3, 4 and 6: 1, 2 and 4 past the cap
        XCTAssertTrue(alarms.last!.contains("\"sent_this_hour\":6"), "\(alarms)")
    }

    /// Addresses of one /24 (or /64s of one /48) share a budget of
    /// `wideNetworkFactor` times a client's; another network has its own.
    func testAWiderNetworkIsOneBudget() throws {
        try policy {
            $0.codes.perIPPerHour = 2
            $0.wideNetworkFactor = 2
        }
        for i in 1...4 { XCTAssertNil(sendAnonymously("a\(i)@example.com", ip: "192.0.2.\(i)")) }
        XCTAssertEqual(sendAnonymously("a5@example.com", ip: "192.0.2.5"), .tooManyCodeRequests(retryAfter: 3600))
        XCTAssertNil(sendAnonymously("a5@example.com", ip: "192.0.3.5"))
        for i in 1...4 { XCTAssertNil(sendAnonymously("b\(i)@example.com", ip: "2001:db8:7:\(i)::1")) }
        XCTAssertEqual(sendAnonymously("b5@example.com", ip: "2001:db8:7:5::1"), .tooManyCodeRequests(retryAfter: 3600))
        // Sign-in failures likewise.
        try policy {
            $0.throttle.clientFailuresPerHour = 1
            $0.wideNetworkFactor = 3
        }
        for i in 1...3 {
            XCTAssertEqual(error { _ = try accounts.signIn(username: "c\(i)@example.com", password: "x", clientIP: "10.0.0.\(i)") },
                           .invalidCredentials)
        }
        XCTAssertEqual(error { _ = try accounts.signIn(username: "c4@example.com", password: "x", clientIP: "10.0.0.4") },
                       .throttled(retryAfter: 3600))
    }
}

/// Counts verifications, to show which paths pay for an Argon2id one.
final class CountingHasher: PasswordHasher, @unchecked Sendable {
    let inner: PasswordHasher
    var checks: [String] = []
    init(_ inner: PasswordHasher) { self.inner = inner }
    func hash(_ password: String) throws -> String { try inner.hash(password) }
    func check(_ password: String, against stored: String) -> PasswordCheck {
        checks.append(stored)
        return inner.check(password, against: stored)
    }
    func isStale(_ stored: String) -> Bool { inner.isStale(stored) }
}

final class SignInCostTests: CoreTestCase {
    func testAWrongGuessAtALegacyHashCostsAnArgon2idVerificationToo() throws {
        let counting = CountingHasher(hasher)
        accounts = Accounts(store: accounts.store, hasher: counting, keys: accounts.keys, clock: clock, random: accounts.random,
                            policy: accounts.policy, audit: accounts.audit, logger: accounts.logger,
                            dummyHash: accounts.dummyHash)
        // mkpasswd -m sha-512 password
        let legacy = "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1"
        try accounts.importUser(try EmailAddress.parse("old@example.com").get(), hash: legacy)
        _ = error { _ = try accounts.signIn(username: "old@example.com", password: "wrong", clientIP: "a") }
        XCTAssertEqual(counting.checks, [legacy, accounts.dummyHash])
        counting.checks = []
        _ = error { _ = try accounts.signIn(username: "nobody@example.com", password: "wrong", clientIP: "a") }
        XCTAssertEqual(counting.checks, [accounts.dummyHash])
        // Once this process has timed a verification, the legacy guess is
        // padded to it by a wait: the larger of the two costs, not their sum.
        counting.checks = []
        let estimate = try XCTUnwrap(accounts.verificationCost.estimate)
        let started = Monotonic.nanoseconds()
        _ = error { _ = try accounts.signIn(username: "old@example.com", password: "wrong again", clientIP: "a") }
        XCTAssertEqual(counting.checks, [legacy])
        XCTAssertGreaterThanOrEqual(Monotonic.nanoseconds() - started, estimate)
    }

    /// A lock for failures is answered by the counter while it stands, for
    /// a real account and a made-up address alike; once the counter is
    /// forgotten they still answer alike, the locked account's right
    /// password included (a guesser learns nothing; a reset gets the owner
    /// back in).
    func testALockedAccountAndAMadeUpAddressAgeOutAlike() throws {
        var p = AccountPolicy()
        p.throttle = ThrottlePolicy(freeFailures: 100, lockAfter: 3, forgetAfter: 3600)
        try make(policy: p)
        try accounts.addUser(email("ann@example.com"), password: "password one")
        for name in ["ann@example.com", "nobody@example.com"] {
            for _ in 0..<3 {
                XCTAssertEqual(error { _ = try accounts.signIn(username: name, password: "wrong", clientIP: "192.0.2.1") }, .invalidCredentials)
            }
            XCTAssertEqual(error { _ = try accounts.signIn(username: name, password: "wrong", clientIP: "192.0.2.1") }, .accountLocked)
        }
        XCTAssertEqual(try accounts.findUser(email("ann@example.com"))?.lock, .failures)
        clock.t += 3601
        for name in ["ann@example.com", "nobody@example.com"] {
            XCTAssertEqual(error { _ = try accounts.signIn(username: name, password: "wrong", clientIP: "192.0.2.2") }, .invalidCredentials, name)
        }
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.2") },
                       .invalidCredentials, "not even the right password tells a guesser it was right")
        XCTAssertEqual(try accounts.findUser(email("ann@example.com"))?.lock, .failures)
    }

    func testANameThatIsNoAddressLeavesNoCounterBehind() throws {
        XCTAssertEqual(error { _ = try accounts.signIn(username: "no address at all", password: "x", clientIP: "a") },
                       .invalidCredentials)
        let counters = try (accounts.store as! FlatFileStore).counterTableUsage().used
        XCTAssertEqual(counters, 2, "only the client's budgets (network and wider network)")
    }
}
