@testable import GatehouseHTTP
import GatehouseJSON
import XCTest
import GatehouseSystem

final class BodyTests: XCTestCase {
    func request(_ type: String?, _ body: String) -> Request {
        var p = ["REQUEST_METHOD": "POST"]
        p["CONTENT_TYPE"] = type
        return Request(params: p, body: Array(body.utf8))
    }

    func testJSONFormAndNone() throws {
        XCTAssertEqual(try BodyDecoder.decode(request("application/json", #"{"a":"b"}"#), limit: 100).value?["a"], .string("b"))
        XCTAssertEqual(try BodyDecoder.decode(request("application/merge-patch+json", "{}"), limit: 100).encoding, .json)
        let form = try BodyDecoder.decode(request("application/x-www-form-urlencoded", "a=1&b=x%20y&a=2"), limit: 100)
        XCTAssertEqual(form.value, .object([("b", .string("x y")), ("a", .string("2"))]))
        XCTAssertNil(try BodyDecoder.decode(request(nil, ""), limit: 100).value)
    }

    func testStatusesForBadBodies() {
        func status(_ r: Request, limit: Int = 100) -> Int? {
            do { _ = try BodyDecoder.decode(r, limit: limit); return nil } catch { return error.status }
        }
        XCTAssertEqual(status(request("text/plain", "x")), 415)
        XCTAssertEqual(status(request(nil, "x")), 415)
        XCTAssertEqual(status(request("application/json", String(repeating: "x", count: 101))), 413)
        XCTAssertEqual(status(Request(params: [:], bodyTooLarge: true)), 413)
        XCTAssertEqual(status(request("application/json", "{")), 422)
        XCTAssertEqual(status(request("application/x-www-form-urlencoded", "a=%ff")), 422)
    }

    func testNegotiation() {
        let html = Request(params: ["HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*"])
        let json = Request(params: ["HTTP_ACCEPT": "application/json, text/html"])
        XCTAssertTrue(wantsHTML(acceptsHTML: acceptPrefersHTML(html), encoding: .none))
        XCTAssertFalse(wantsHTML(acceptsHTML: acceptPrefersHTML(json), encoding: .none))
        XCTAssertFalse(wantsHTML(acceptsHTML: acceptPrefersHTML(Request(params: ["HTTP_ACCEPT": "*/*"])), encoding: .json))
        XCTAssertTrue(wantsHTML(acceptsHTML: acceptPrefersHTML(Request(params: [:])), encoding: .form))
        XCTAssertFalse(wantsHTML(acceptsHTML: acceptPrefersHTML(Request(params: [:])), encoding: .form, formImpliesHTML: false))
    }
}
