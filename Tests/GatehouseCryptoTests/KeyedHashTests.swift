import GatehouseCrypto
import XCTest
import GatehouseSystem

final class KeyedHashTests: XCTestCase {
    func testKeyedHashSeparatesKeysAndDomains() {
        let a = KeyedHasher(key: [UInt8](repeating: 1, count: 32)), b = KeyedHasher(key: [UInt8](repeating: 2, count: 32))
        XCTAssertEqual(a.hex("x", domain: "user"), a.hex("x", domain: "user"))
        XCTAssertNotEqual(a.hex("x", domain: "user"), a.hex("x", domain: "session"))
        XCTAssertNotEqual(a.hex("x", domain: "user"), b.hex("x", domain: "user"))
        XCTAssertEqual(a.hex("x", domain: "user").count, 64)
    }
}
