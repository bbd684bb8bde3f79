import GatehouseCrypto
import XCTest
import GatehouseSystem

final class RandomTests: XCTestCase {
    func testRandom() {
        let r = SystemRandom()
        XCTAssertNotEqual(r.bytes(32), r.bytes(32))
        for _ in 0..<100 { XCTAssertLessThan(r.uniform(10), 10) }
    }
}
