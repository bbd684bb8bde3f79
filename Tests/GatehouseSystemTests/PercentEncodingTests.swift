import GatehouseSystem
import XCTest

final class PercentEncodingTests: XCTestCase {
    func testEachCallerKeepsItsOwnSetAndEveryByteRoundTrips() {
        let text = "a b%c/é\n"
        let unreserved: (UInt8) -> Bool = { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
        XCTAssertEqual(PercentEncoding.encode(text, keeping: unreserved), "a%20b%25c%2F%C3%A9%0A")
        XCTAssertEqual(PercentEncoding.encode(text) { $0 >= 0x20 && $0 != 0x25 }, "a b%25c/é%0A")
        XCTAssertEqual(PercentEncoding.decode(Array("a%20b%25c%2F%C3%A9%0A".utf8)[...]), Array(text.utf8))
        XCTAssertEqual(PercentEncoding.decode(Array("a+b".utf8)[...], plusIsSpace: true), Array("a b".utf8))
        XCTAssertEqual(PercentEncoding.decode(Array("a+b".utf8)[...]), Array("a+b".utf8))
        for bad in ["%", "%4", "%g0", "%+1", "a%2"] { XCTAssertNil(PercentEncoding.decode(Array(bad.utf8)[...]), bad) }
    }

    func testHexDigits() {
        XCTAssertEqual(HexDigits.pair(0x0a), "0A")
        XCTAssertEqual(HexDigits.pair(0xfe, uppercase: false), "fe")
        XCTAssertEqual([UInt8]("09afAFgG".utf8).map(HexDigits.value), [0, 9, 10, 15, 10, 15, nil, nil])
    }
}
