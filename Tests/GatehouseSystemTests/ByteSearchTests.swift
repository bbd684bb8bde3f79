import GatehouseSystem
import XCTest

final class ByteSearchTests: XCTestCase {
    func testFirstOffset() {
        XCTAssertEqual(ByteSearch.firstOffset(of: "}}", in: "a }} b }}"[...]), 2)
        XCTAssertNil(ByteSearch.firstOffset(of: "}}}", in: "}}"[...]))
        XCTAssertNil(ByteSearch.firstOffset(of: "text/html", in: "TEXT/HTML"[...]))
        XCTAssertEqual(ByteSearch.firstOffset(of: "text/html", in: "a, TEXT/Html"[...], ignoringASCIICase: true), 3)
        // Offsets are in bytes: "é" is two.
        XCTAssertEqual(ByteSearch.firstOffset(of: "{{", in: "é{{"[...]), 2)
        let tail = "xx{{y"
        XCTAssertEqual(ByteSearch.firstOffset(of: "{{", in: tail[tail.index(after: tail.startIndex)...]), 1)
    }
}
