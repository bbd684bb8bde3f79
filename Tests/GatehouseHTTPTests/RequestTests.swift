@testable import GatehouseHTTP
import GatehouseJSON
import XCTest
import GatehouseSystem

final class RequestTests: XCTestCase {
    func testParamsHeadersQueryCookies() {
        let r = Request(params: [
            "REQUEST_METHOD": "post", "REQUEST_URI": "/account/send-otp?email=a%40b.c&x=1+2",
            "QUERY_STRING": "email=a%40b.c&x=1+2", "HTTP_COOKIE": "a=1; gatehouse_session=tok; a=2",
            "CONTENT_TYPE": "Application/JSON; charset=utf-8", "HTTP_X_CSRF_TOKEN": "t",
        ])
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.path, "/account/send-otp")
        XCTAssertEqual(r.queryValue("email"), "a@b.c")
        XCTAssertEqual(r.queryValue("x"), "1 2")
        XCTAssertEqual(r.cookies["gatehouse_session"], "tok")
        XCTAssertEqual(r.cookies["a"], "1")
        XCTAssertEqual(r.mediaType, "application/json")
        XCTAssertEqual(r.header("x-csrf-token"), "t")
    }

    func testMalformedQueryIsFlagged() {
        XCTAssertTrue(Request(params: ["QUERY_STRING": "a=%zz"]).queryMalformed)
        XCTAssertTrue(Request(params: ["QUERY_STRING": "a=%ff"]).queryMalformed)
    }

    /// "&", "=" and ";" followed by a combining mark are one Character in
    /// Swift; they must still delimit, as every other parser sees them.
    func testDelimitersFollowedByCombiningMarksStillDelimit() {
        let pairs = FormDecoding.decode("a=1&\u{301}b=2")!
        XCTAssertEqual(pairs.map(\.0), ["a", "\u{301}b"])
        XCTAssertEqual(FormDecoding.decode("k=\u{301}v")!.first?.1, "\u{301}v")
        let r = Request(params: ["HTTP_COOKIE": "a=1;\u{301} b=2"])
        XCTAssertEqual(r.cookies["a"], "1")
        XCTAssertEqual(r.cookies["\u{301} b"], "2")
    }

    func testAuthorization() {
        func auth(_ h: String?) -> Request.Authorization {
            Request(params: h.map { ["HTTP_AUTHORIZATION": $0] } ?? [:]).authorization
        }
        XCTAssertEqual(auth(nil), .absent)
        XCTAssertEqual(auth(""), .absent, "Apache's CGI rewrite rule sets it empty when the client sent none")
        XCTAssertEqual(auth("Bearer abc"), .bearer("abc"))
        XCTAssertEqual(auth("bearer abc"), .bearer("abc"))
        XCTAssertEqual(auth("Bearer"), .unusable)
        XCTAssertEqual(auth("Bearer "), .unusable)
        XCTAssertEqual(auth("Basic dXNlcjpwYXNz"), .unusable)
    }

    func testClientIPTrustsOnlyConfiguredProxies() {
        let r = Request(params: ["REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 10.0.0.2"])
        XCTAssertEqual(r.clientIP(trustedProxies: []), "10.0.0.1")
        XCTAssertEqual(r.clientIP(trustedProxies: ["10.0.0.1"]), "10.0.0.2")
        XCTAssertEqual(r.clientIP(trustedProxies: ["10.0.0.1", "10.0.0.2"]), "1.2.3.4")
    }

    func testOwnOriginAddsThePortNginxDropped() {
        XCTAssertEqual(Request(params: ["HTTP_HOST": "127.0.0.1", "SERVER_PORT": "8080"]).ownOrigin, "http://127.0.0.1:8080")
        XCTAssertEqual(Request(params: ["HTTP_HOST": "example.com", "SERVER_PORT": "443", "HTTPS": "on"]).ownOrigin, "https://example.com")
        XCTAssertEqual(Request(params: ["HTTP_HOST": "example.com:81", "SERVER_PORT": "81"]).ownOrigin, "http://example.com:81")
    }
}
