import GatehouseCrypto
import XCTest
import GatehouseSystem

final class ConstantTimeTests: XCTestCase {
    func testConstantTimeEqual() {
        XCTAssertTrue(constantTimeEqual("abc", "abc"))
        XCTAssertFalse(constantTimeEqual("abc", "abd"))
        XCTAssertFalse(constantTimeEqual("abc", "abcd"))
        XCTAssertTrue(constantTimeEqual([UInt8](), []))
    }
}
