@testable import GatehouseHTTP
import GatehouseJSON
import XCTest
import GatehouseSystem

final class ResponseTests: XCTestCase {
    func testSerialisationHasStatusReasonLengthAndNoStore() {
        let r = Response.detail(422, "x")
        let text = String(decoding: r.serialized(), as: UTF8.self)
        XCTAssertEqual(text, "Status: 422 Unprocessable Entity\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: 14\r\n\r\n{\"detail\":\"x\"}")
    }

    func testHeaderValuesCannotBeSplit() {
        let r = Response.redirect(to: "/x\r\nSet-Cookie: evil=1")
        XCTAssertFalse(String(decoding: r.serialized(), as: UTF8.self).contains("\r\nSet-Cookie"))
    }

    func testHTMLCarriesSecurityHeaders() {
        let r = Response.html(200, "<p>")
        XCTAssertTrue(r.header("Content-Security-Policy")!.contains("frame-ancestors 'none'"))
        XCTAssertEqual(r.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(r.header("Referrer-Policy"), "same-origin")
    }
}
