#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class SessionTests: CoreTestCase {
    func signIn() throws -> String {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        return try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
    }

    func testIdleTimeoutAndTouch() throws {
        let token = try signIn()
        clock.t += 1700
        XCTAssertNoThrow(try accounts.authenticate(token: token))  // touches last-seen
        clock.t += 1700
        XCTAssertNoThrow(try accounts.authenticate(token: token))
        clock.t += 1800
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)  // deleted on sight
    }

    func testLastSeenIsNotRewrittenOnEveryRequest() throws {
        let token = try signIn()
        clock.t += 30
        XCTAssertEqual(try accounts.authenticate(token: token).session.lastSeen, clock.t - 30)
        clock.t += 30
        XCTAssertEqual(try accounts.authenticate(token: token).session.lastSeen, clock.t)
    }

    func testAbsoluteTimeout() throws {
        let token = try signIn()
        for _ in 0..<24 {  // 24 × 1799 s < 12 h
            clock.t += 1800 - 1
            XCTAssertNoThrow(try accounts.authenticate(token: token))
        }
        clock.t += 1800 - 1
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
    }

    func testLogoutAndRevocation() throws {
        let token = try signIn()
        let second = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
        try accounts.logout(try accounts.authenticate(token: token))
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
        XCTAssertNoThrow(try accounts.authenticate(token: second))
        XCTAssertEqual(try accounts.revokeSessions(of: email("ann@example.com")), 1)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: second) }, .notAuthenticated)
    }

    func testLockingEndsSessions() throws {
        let token = try signIn()
        try accounts.setLocked(email("ann@example.com"), true)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
    }

    func testMalformedTokensNeverReachTheStore() {
        for t in ["", "abc", String(repeating: "A", count: 42), "../../../../etc/passwd" + String(repeating: "A", count: 21)] {  // outside-ok: hostile input
            XCTAssertEqual(error { _ = try accounts.authenticate(token: t) }, .notAuthenticated, t)
        }
    }

    func testCSRFTokenIsBoundToTheSession() throws {
        let a = try signIn()
        let b = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
        XCTAssertEqual(accounts.csrfToken(forSessionToken: a), accounts.csrfToken(forSessionToken: a))
        XCTAssertNotEqual(accounts.csrfToken(forSessionToken: a), accounts.csrfToken(forSessionToken: b))
    }
}
