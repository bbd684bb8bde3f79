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

/// cookie_domain: the session is shared with the subdomains.
final class CookieDomainTests: EndpointTestCase {
    func testTheSharedSessionCookieAndItsClearing() throws {
        var site = services.site
        site.cookieDomain = "example.com"
        services = Services(site: site, accounts: services.accounts, logger: services.logger, pages: services.pages)
        let ann = try EmailAddress.parse("ann@example.com").get()
        try services.accounts.addUser(ann, password: "password one")
        let signIn = request(TokenEndpoint(), "POST", body: "grant_type=password&username=ann%40example.com&password=password+one",
                             headers: ["Accept": "text/html", "Origin": "https://example.com"])
        XCTAssertEqual(signIn.status, 303)
        let cookie = signIn.header("Set-Cookie") ?? ""
        XCTAssertTrue(cookie.hasPrefix("__Secure-gatehouse_session="), cookie)
        XCTAssertTrue(cookie.contains("; Path=/; Domain=example.com;") && cookie.contains("Secure"), cookie)
        let token = String(cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1)[1])
        let me = request(MeEndpoint(), "GET", headers: ["Cookie": "__Secure-gatehouse_session=" + token])
        XCTAssertEqual(me.status, 200)
        // A __Host- cookie of the same name is not the session any more.
        XCTAssertEqual(request(MeEndpoint(), "GET", headers: ["Cookie": "__Host-gatehouse_session=" + token]).status, 401)
        let csrf = services.accounts.csrfToken(forSessionToken: token)
        let out = request(LogoutEndpoint(), "POST", body: "csrf_token=" + csrf,
                          headers: ["Cookie": "__Secure-gatehouse_session=" + token, "Accept": "text/html", "Origin": "https://example.com"])
        XCTAssertEqual(out.status, 303)
        XCTAssertEqual(out.header("Set-Cookie"),
                       "__Secure-gatehouse_session=; Path=/; Domain=example.com; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
    }
}
