#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class SignInTests: CoreTestCase {
    func testSignInOpensASessionTheTokenFinds() throws {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        let opened = try accounts.signIn(username: "ann@EXAMPLE.com", password: "password one", clientIP: "1.2.3.4")
        XCTAssertEqual(opened.token.count, 43)
        let auth = try accounts.authenticate(token: opened.token)
        XCTAssertEqual(auth.user.email, "ann@example.com")
        XCTAssertEqual(auth.session.clientIP, "1.2.3.4")
    }

    func testWrongPasswordAndUnknownUserAreOneError() throws {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "nope", clientIP: "a") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "bob@example.com", password: "nope", clientIP: "b") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "not an address", password: "nope", clientIP: "c") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ANN@example.com", password: "password one", clientIP: "d") }, .invalidCredentials)
    }

    func testPasswordsAreComparedAfterNFC() throws {
        try accounts.addUser(email("ann@example.com"), password: "caf\u{e9} au lait")
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "cafe\u{301} au lait", clientIP: "a"))
    }

    func testBackoffAfterFiveFailuresThenLock() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(freeFailures: 5, baseDelay: 1, maxDelay: 900, lockAfter: 8)))
        try accounts.addUser(email("ann@example.com"), password: "password one")
        func attempt(_ pw: String, ip: String) -> AccountError? {
            error { _ = try accounts.signIn(username: "ann@example.com", password: pw, clientIP: ip) }
        }
        for i in 0..<5 { XCTAssertEqual(attempt("bad", ip: "ip\(i)"), .invalidCredentials) }
        XCTAssertEqual(attempt("password one", ip: "other"), .throttled(retryAfter: 1))
        clock.t += 1
        XCTAssertEqual(attempt("bad", ip: "ip6"), .invalidCredentials)
        XCTAssertEqual(attempt("password one", ip: "other"), .throttled(retryAfter: 2))
        clock.t += 2
        XCTAssertEqual(attempt("bad", ip: "ip7"), .invalidCredentials)
        clock.t += 4
        XCTAssertEqual(attempt("bad", ip: "ip8"), .invalidCredentials)  // eighth consecutive failure
        clock.t += 3600
        XCTAssertEqual(attempt("password one", ip: "other"), .accountLocked)
        XCTAssertEqual(try accounts.findUser(email("ann@example.com"))!.lock, .failures)
        try accounts.setLocked(email("ann@example.com"), false)
        XCTAssertNil(attempt("password one", ip: "other"))
    }

    func testLegacyHashIsUpgradedOnSignIn() throws {
        // mkpasswd -m sha-512 password
        let legacy = "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1"
        try accounts.importUser(email("old@example.com"), hash: legacy)
        _ = try accounts.signIn(username: "old@example.com", password: "password", clientIP: "a")
        let stored = try accounts.findUser(email("old@example.com"))!.passwordHash
        XCTAssertTrue(stored.hasPrefix("$argon2id$"))
        XCTAssertNoThrow(try accounts.signIn(username: "old@example.com", password: "password", clientIP: "a"))
        XCTAssertEqual(error { try accounts.importUser(email("x@example.com"), hash: "$1$md5$nope") },
                       .invalidField(field: "hash", reason: "unsupported hash format"))
    }

    /// docs/security.md: rehash on sign-in when the Argon2id parameters change.
    func testArgon2idHashAtOldParametersIsUpgradedOnSignIn() throws {
        let old = try Argon2idHasher(opsLimit: 2, memLimitKiB: 8).hash("password one")
        try accounts.importUser(email("ann@example.com"), hash: old)
        _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a")
        let stored = try accounts.findUser(email("ann@example.com"))!.passwordHash
        XCTAssertTrue(stored.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"), stored)
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a"))
    }

    func testNewPasswordLengthRules() {
        XCTAssertEqual(error { try accounts.addUser(email("a@example.com"), password: "short") },
                       .invalidField(field: "password", reason: "must be at least 8 characters"))
        XCTAssertEqual(error { try accounts.addUser(email("a@example.com"), password: String(repeating: "x", count: 129)) },
                       .invalidField(field: "password", reason: "must be at most 128 characters"))
        XCTAssertNil(error { try accounts.addUser(email("a@example.com"), password: String(repeating: "é", count: 8)) })
    }
}
