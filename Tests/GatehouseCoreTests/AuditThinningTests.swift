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
