@testable import GatehouseFastCGI
import XCTest

final class RuntimeTests: XCTestCase {
    func testOptions() throws {
        XCTAssertEqual(try RuntimeOptions.parse([]), RuntimeOptions())
        XCTAssertEqual(try RuntimeOptions.parse(["--listen", "/run/x.sock", "--backlog", "5"]).listen, "/run/x.sock")
        XCTAssertThrowsError(try RuntimeOptions.parse(["--listen"]))
        XCTAssertThrowsError(try RuntimeOptions.parse(["--backlog", "-1"]))
        XCTAssertThrowsError(try RuntimeOptions.parse(["extra"]))
        XCTAssertTrue(try RuntimeOptions.parse(["--help"]).help)
    }

    func testLogLinesCannotBeForged() {
        XCTAssertEqual(ErrorLog.escape("user a\r\n[error] fake\u{1b}[31m\\"), "user a\\x0d\\x0a[error] fake\\x1b[31m\\\\")
    }

    func testBodyLimit() {
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "10"], maxBody: 100).length, 10)
        XCTAssertTrue(Runtime.bodyLimit(["CONTENT_LENGTH": "101"], maxBody: 100).tooLarge)
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "junk"], maxBody: 100).length, 0)
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "-5"], maxBody: 100).length, 0)
    }
}
