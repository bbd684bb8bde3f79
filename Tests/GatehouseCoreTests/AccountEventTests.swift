import GatehouseCore
import XCTest

/// The events the core publishes for the site's hooks: which, how many,
/// and the same work for an address without an account.
final class AccountEventTests: CoreTestCase {
    final class Published: EventSink, @unchecked Sendable {
        var events: [AccountEvent] = []
        var decoys = 0
        func publish(_ event: AccountEvent, _ how: EventOutcome) {
            if how == .decoy { decoys += 1 } else { events.append(event) }
        }
        func types(_ type: String) -> [AccountEvent] { events.filter { $0.type == type } }
    }

    let published = Published()

    override func setUpWithError() throws {
        var policy = AccountPolicy()
        policy.throttle.freeFailures = 2
        policy.throttle.maxDelay = 1
        events = published
        try make(policy: policy)
    }

    func testSignInsMakeAtMostTwentyEventsAnHourPerAccount() throws {
        _ = try accounts.addUser(email("ann@example.com"), password: "password one")
        for _ in 0..<25 { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1") }
        XCTAssertEqual(published.types("signin.succeeded").count, 20)
        XCTAssertEqual(audit.lines.filter { $0.contains(#""event":"signin_ok""#) }.count, 25, "every sign-in is in the audit log")
        clock.t += 3600
        _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1")
        XCTAssertEqual(published.types("signin.succeeded").count, 21, "the next hour has its own")
    }

    /// At the failure that starts the back-off, then the 2nd, 4th, 8th…
    /// after it; an address without an account does the same work and
    /// publishes nothing.
    func testFailedSignInsPastTheBackOffAreThinnedAndNeverNameAnAddressWithoutAnAccount() throws {
        _ = try accounts.addUser(email("ann@example.com"), password: "password one")
        for name in ["ann@example.com", "nobody@example.com"] {
            for _ in 0..<10 {
                clock.t += 2  // past each back-off
                _ = error { _ = try accounts.signIn(username: name, password: "wrong one", clientIP: "192.0.2.\(name.count)") }
            }
        }
        let failed = published.types("signin.failed")
        XCTAssertEqual(failed.map { $0.data.first { $0.0 == "failures_in_a_row" }!.1 }, [.int(2), .int(3), .int(5), .int(9)])
        XCTAssertEqual(published.decoys, 4, "the unknown address did the same four writes")
        XCTAssertTrue(failed.allSatisfy { $0.data.first { $0.0 == "email" }?.1 == .string("ann@example.com") })
    }

    func testAPasswordChangeAndAResetAreTold() throws {
        let ann = try accounts.addUser(email("ann@example.com"), password: "password one")
        XCTAssertEqual(published.types("account.created").count, 1)
        try accounts.setPassword(ann.email, password: "password two")
        XCTAssertEqual(published.types("password.reset").count, 1)
        XCTAssertFalse(published.events.contains { String(describing: $0.data).contains("password two") })
    }
}
