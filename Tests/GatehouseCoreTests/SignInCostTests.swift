@testable import GatehouseCore
import GatehouseCrypto
import Foundation
import XCTest
import GatehouseSystem

/// Counts verifications and hashes, to show which paths pay for an Argon2id one.
final class CountingHasher: PasswordHasher, @unchecked Sendable {
    let inner: PasswordHasher
    var checks: [String] = []
    var hashes = 0
    init(_ inner: PasswordHasher) { self.inner = inner }
    func hash(_ password: String) throws -> String {
        hashes += 1
        return try inner.hash(password)
    }
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
        let counters = store.counterCount
        XCTAssertEqual(counters, 2, "only the client's budgets (network and wider network)")
    }
}
