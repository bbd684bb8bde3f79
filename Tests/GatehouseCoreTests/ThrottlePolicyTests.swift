#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class ThrottlePolicyTests: XCTestCase {
    func testThrottleArithmetic() {
        let p = ThrottlePolicy(freeFailures: 5, baseDelay: 1, maxDelay: 60, lockAfter: 100)
        var c = CounterRecord()
        for _ in 0..<4 { XCTAssertNil(p.reserve(&c, now: 10)) }
        XCTAssertNil(p.reserve(&c, now: 10))  // the fifth is checked, and starts the back-off
        XCTAssertEqual(p.reserve(&c, now: 10), .wait(1))
        XCTAssertEqual(c.count, 5, "a refused guess is not counted")
        for _ in 0..<20 { p.recordFailure(&c, now: 10) }
        XCTAssertEqual(p.reserve(&c, now: 10), .wait(60))  // capped
        for _ in 0..<75 { p.recordFailure(&c, now: 10) }
        XCTAssertEqual(p.reserve(&c, now: 10_000), .locked)
        XCTAssertNil(p.reserve(&c, now: 10 + 86_400))  // a day later the old streak is forgotten
        XCTAssertEqual(c.count, 1)
    }
}
