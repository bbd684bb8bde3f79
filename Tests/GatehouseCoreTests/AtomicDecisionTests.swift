@testable import GatehouseCore
import GatehouseCrypto
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
