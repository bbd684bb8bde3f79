@testable import GatehouseCore
import GatehouseCrypto
import Foundation
import XCTest
import GatehouseSystem

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
        let alarms = audit.lines
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
