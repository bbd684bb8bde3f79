#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

/// A flood from one client past its budget leaves a few audit lines, not
/// one per request, and they carry the flood's size.
final class AuditThinningTests: CoreTestCase {
    func testRefusalsAreRecordedAtMilestonesWithTheirRunningTotal() throws {
        var throttle = ThrottlePolicy()
        throttle.clientFailuresPerHour = 3
        try make(policy: AccountPolicy(throttle: throttle))
        for _ in 0..<40 {
            _ = error { _ = try accounts.signIn(username: "not an address", password: "x", clientIP: "192.0.2.7") }
        }
        let lines = audit.lines
        XCTAssertEqual(lines.filter { $0.contains("\"signin_failed\"") }.count, 3)
        let refused = lines.filter { $0.contains("\"signin_throttled\"") }
        XCTAssertEqual(refused.map { $0.split(separator: "refused_so_far\":").last!.prefix { $0.isNumber } },
                       ["1", "2", "4", "8", "16", "32"])
        XCTAssertEqual(error { _ = try accounts.signIn(username: "not an address", password: "x", clientIP: "192.0.2.7") },
                       .throttled(retryAfter: 3600))
        XCTAssertTrue(AuditTrail.isMilestone(64) && !AuditTrail.isMilestone(0) && !AuditTrail.isMilestone(48))
    }
}

extension AuditThinningTests {
    /// Guesses at addresses with no code outstanding leave no per-account
    /// counter behind: only the client's own budgets (its network's and the
    /// wider network's) are on disk.
    func testGuessesWithNoCodeLeaveNoPerAccountCounters() throws {
        for i in 0..<20 {
            _ = error { _ = try accounts.verifyCode("000000", for: email("nobody\(i)@example.com"), purpose: .verify,
                                                    clientIP: "192.0.2.9") }
        }
        XCTAssertEqual(store.counterCount, 2)
    }
}

extension AuditThinningTests {
    /// A botnet's guesses at addresses with no code, each from a new
    /// network: no client's count grows, so they are thinned by this
    /// worker's hourly count instead, a line at its milestones.
    func testGuessesAtNoCodeFromNewNetworksAreRecordedAtMilestones() throws {
        for i in 0..<100 {
            _ = error { _ = try accounts.verifyCode("000000", for: email("nobody\(i)@example.com"), purpose: .verify,
                                                    clientIP: "10.\(i).0.1") }
        }
        let lines = audit.lines.filter { $0.contains("\"code_failed\"") }
        XCTAssertEqual(lines.map { $0.split(separator: "this_worker\":").last!.prefix { $0.isNumber } },
                       ["1", "2", "4", "8", "16", "32", "64"])
        clock.t += 3600
        _ = error { _ = try accounts.verifyCode("000000", for: email("nobody@example.com"), purpose: .verify, clientIP: "10.200.0.1") }
        XCTAssertTrue(audit.lines.last!.contains("this_worker\":1"), "a new hour counts afresh")
    }
}
