#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseEndpoints
import GatehouseResponder
import GatehouseHTTP
import GatehouseJSON
import GatehouseStore
import Logging
import TestSupport
import Foundation
import XCTest
import GatehouseSystem

/// The return URL after sign-in (pure).
final class ReturnURLTests: XCTestCase {
    func check(_ rd: String) -> String? { ReturnURL.checked(rd, ownOrigin: "http://example.com:8080", allowedHosts: ["app.example.com"]) }

    func testOwnSiteAndListedHostsOnly() {
        XCTAssertEqual(check("/wiki/page?a=1"), "/wiki/page?a=1")
        XCTAssertEqual(check("http://example.com:8080/x"), "http://example.com:8080/x")
        XCTAssertEqual(check("https://APP.example.com/x"), "https://APP.example.com/x")
        XCTAssertEqual(check("http://app.example.com/x"), "http://app.example.com/x")
        for bad in ["https://evil.example/", "//evil.example", "/\\evil", "\\\\evil", "javascript:alert(1)",
                    "https://example.com:8080@evil.example/", "http://example.com.evil.example/", "https:example.com",
                    " /x", "/x\n", "ftp://example.com:8080/", "http://example.com/x"] {
            XCTAssertNil(check(bad), bad)
        }
    }

    /// A listed host is its default port, unless it names one; this
    /// origin is its own scheme and port; and never a step down to http.
    func testSchemeAndPortCount() {
        XCTAssertNil(check("https://app.example.com:8443/"))
        XCTAssertNil(check("http://app.example.com:8080/"))
        XCTAssertNil(check("http://example.com:9090/"))
        XCTAssertNil(check("http://app.example.com:+80/"))
        XCTAssertEqual(ReturnURL.checked("https://app.example.com:8443/", ownOrigin: "https://example.com",
                                         allowedHosts: ["app.example.com:8443"]), "https://app.example.com:8443/")
        let overTLS = { (rd: String) in ReturnURL.checked(rd, ownOrigin: "https://example.com", allowedHosts: ["app.example.com"]) }
        XCTAssertNotNil(overTLS("https://example.com/x"))
        XCTAssertNotNil(overTLS("https://example.com:443/x"))
        XCTAssertNil(overTLS("http://example.com/x"))
        XCTAssertNil(overTLS("http://app.example.com/x"))
        XCTAssertNotNil(overTLS("https://app.example.com/x"))
    }

    func testTheSharedCookieDomainsSubdomains() {
        func shared(_ rd: String) -> String? {
            ReturnURL.checked(rd, ownOrigin: "https://www.example.org", allowedHosts: [], sharedDomain: "example.org")
        }
        XCTAssertNotNil(shared("https://wiki.example.org/page"))
        XCTAssertNotNil(shared("https://example.org:8443/"))
        XCTAssertNil(shared("http://wiki.example.org/page"))
        XCTAssertNil(shared("https://badexample.org/"))
        XCTAssertNil(shared("https://example.org.evil.example/"))
    }
}
