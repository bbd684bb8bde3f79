import GatehouseSystem
import XCTest

final class URLAuthorityTests: XCTestCase {
    /// The host a client connects to: after user-info, without port or brackets.
    func testTheHostIsTheOneAfterUserInfo() {
        XCTAssertEqual(URLAuthority.host(of: "smtp://relay.example.com:587"), "relay.example.com")
        XCTAssertEqual(URLAuthority.host(of: "smtp://localhost:x@relay.example.com:25"), "relay.example.com")
        XCTAssertEqual(URLAuthority.host(of: "smtp://[::1]:25"), "::1")
        XCTAssertEqual(URLAuthority.host(of: "smtps://u@[2001:db8::1]/x"), "2001:db8::1")
        XCTAssertEqual(URLAuthority.host(of: "relay.example.com"), "relay.example.com")
        XCTAssertEqual(URLAuthority.host(of: "smtp://"), "")
    }

    func testTheWholeAuthority() throws {
        let a = try XCTUnwrap(URLAuthority(url: "HTTPS://User@Example.COM:8443/x?y"))
        XCTAssertEqual(a.scheme, "https")
        XCTAssertEqual(a.userInfo, "User")
        XCTAssertEqual(a.host, "example.com")
        XCTAssertEqual(a.port, 8443)
        XCTAssertTrue(a.hasRest)
        XCTAssertEqual(URLAuthority(url: "http://[2001:DB8::1]:80")?.host, "[2001:db8::1]")
        for bad in ["http://", "http://host:+80/", "http://host:0", "http://host:65536", "http://[::1", "http://[::1]x", "http://:80"] {
            XCTAssertNil(URLAuthority(url: bad), bad)
        }
    }
}
