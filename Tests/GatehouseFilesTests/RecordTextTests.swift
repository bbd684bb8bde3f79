@testable import GatehouseFiles
import XCTest

final class RecordTextTests: XCTestCase {
    func testRoundTripWithEscapes() throws {
        var r = RecordText(kind: "user")
        r.set("email", "a@b.c")
        r.set("note", "50% off\nline two")
        let bytes = r.encoded()
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "gatehouse-user 1\nemail: a@b.c\nnote: 50%25 off%0Aline two\n")
        XCTAssertEqual(try RecordText.parse(bytes, kind: "user"), r)
    }

    func testRejectsTornAndForeignRecords() {
        let good = Array("gatehouse-user 1\nemail: a@b.c\n".utf8)
        XCTAssertThrowsError(try RecordText.parse(Array(good.dropLast()), kind: "user")) {
            XCTAssertEqual($0 as? RecordText.ParseError, .truncated)
        }
        XCTAssertThrowsError(try RecordText.parse(good, kind: "session"))
        XCTAssertThrowsError(try RecordText.parse(Array("gatehouse-user 2\n".utf8), kind: "user"))
        XCTAssertThrowsError(try RecordText.parse(Array("gatehouse-user 1\nnocolon\n".utf8), kind: "user"))
        XCTAssertThrowsError(try RecordText.parse([0xff, 0x0a], kind: "user"))
    }
}
