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
final class EndpointTests: EndpointTestCase {
    func testOverHTTPSTheResetCookieIsAHostCookieOnPathSlash() throws {
        let ann = try EmailAddress.parse("ann@example.com").get()
        try services.accounts.addUser(ann, password: "password one")
        try services.accounts.sendCode(to: ann, purpose: .reset, clientIP: "192.0.2.1")
        services.afterResponse()
        let mail = try TestFiles.text(newestMail())
        let code = String(mail.split(separator: "\n").first { $0.hasPrefix("    ") && $0.allSatisfy { $0 == " " || $0.isNumber } }!
            .filter(\.isNumber))
        let r = request(VerifyOTPEndpoint(), "POST", body: "email=ann%40example.com&purpose=reset&code=\(code)",
                        headers: ["Accept": "text/html", "Origin": "https://example.com"])
        XCTAssertEqual(r.status, 303)
        let cookie = r.header("Set-Cookie") ?? ""
        XCTAssertTrue(cookie.hasPrefix("__Host-gatehouse_session_reset="), cookie)
        XCTAssertTrue(cookie.contains("; Path=/;") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"), cookie)
    }

    /// Behind a proxy that ends TLS and does not say so (no HTTPS=on), an
    /// https public_origin decides: the cookie keeps its __Host- prefix and
    /// the browser's https Origin is this site's own.
    func testBehindATLSProxyPublicOriginDecidesTheScheme() throws {
        var site = services.site
        site.publicOrigin = "https://example.com"
        services = Services(site: site, accounts: services.accounts, logger: services.logger, pages: services.pages)
        try services.accounts.addUser(try EmailAddress.parse("ann@example.com").get(), password: "password one")
        let params = ["REQUEST_METHOD": "POST", "REQUEST_URI": "/account/token", "REMOTE_ADDR": "127.0.0.1",
                      "HTTP_HOST": "example.com", "SERVER_PORT": "8080", "CONTENT_TYPE": "application/x-www-form-urlencoded",
                      "HTTP_ACCEPT": "text/html", "HTTP_ORIGIN": "https://example.com"]
        let body = Array("grant_type=password&username=ann%40example.com&password=password+one".utf8)
        let r = EndpointResponder(TokenEndpoint(), services: services).handle(Request(params: params, body: body))
        XCTAssertEqual(r.status, 303)
        XCTAssertTrue((r.header("Set-Cookie") ?? "").hasPrefix("__Host-gatehouse_session="), r.header("Set-Cookie") ?? "")
        var plain = params
        plain["HTTP_ORIGIN"] = "http://example.com:8080"
        XCTAssertEqual(EndpointResponder(TokenEndpoint(), services: services).handle(Request(params: plain, body: body)).status, 403)
    }

    /// Only send-otp's own redirect makes the code page name an address:
    /// a crafted link cannot put words on it.
    func testACraftedLinkCannotPutWordsOnTheCodePage() throws {
        func page(_ query: String) -> String {
            String(decoding: request(VerifyOTPEndpoint(), "GET", query: query, headers: ["Accept": "text/html"]).body, as: UTF8.self)
        }
        let crafted = page("notice=code-sent&purpose=reset&email=Your%20account%20is%20suspended.%20Call%20%2B1%20555%200100")
        XCTAssertFalse(crafted.contains("suspended."), crafted)
        XCTAssertFalse(page("notice=code-sent&purpose=reset&email=ann%40example.com&sent=1.abc").contains("on its way"))
        let sent = request(SendOTPEndpoint(), "POST", body: "email=ann%40example.com&purpose=reset",
                           headers: ["Accept": "text/html", "Origin": "https://example.com"])
        XCTAssertEqual(sent.status, 303)
        let location = try XCTUnwrap(sent.header("Location"))
        let query = String(location.split(separator: "?", maxSplits: 1)[1])
        XCTAssertTrue(page(query).contains("If ann@example.com has an account here, a code is on its way to it."))
        // The proof is for that address and purpose only.
        XCTAssertFalse(page(query.replacingOccurrences(of: "ann%40example.com", with: "bob%40example.com")).contains("on its way"))
        XCTAssertFalse(page(query.replacingOccurrences(of: "purpose=reset", with: "purpose=verify")).contains("on its way"))
    }

    /// Site's own defaults are the settings table's.
    func testTheSitesDefaultsAreTheTables() throws {
        XCTAssertEqual(Site(config: try Config.parse("")), Site())
    }

    func testATruncatedBodyIsA400AndABadQueryA422() {
        var params = ["REQUEST_METHOD": "POST", "REQUEST_URI": "/account/token", "CONTENT_TYPE": "application/json",
                      "CONTENT_LENGTH": "40"]
        let cut = EndpointResponder(TokenEndpoint(), services: services)
            .handle(Request(params: params, body: Array("{\"username\":".utf8), bodyIncomplete: true))
        XCTAssertEqual(cut.status, 400)
        params["QUERY_STRING"] = "email=%zz"
        params["REQUEST_URI"] = "/account/send-otp"
        let bad = EndpointResponder(SendOTPEndpoint(), services: services).handle(Request(params: params))
        XCTAssertEqual(bad.status, 422)
    }

    func testSignInThenMeInProcess() throws {
        try services.accounts.addUser(try EmailAddress.parse("ann@example.com").get(), password: "password one")
        let signedIn = request(TokenEndpoint(), "POST", body: "grant_type=password&username=ann%40example.com&password=password+one")
        XCTAssertEqual(signedIn.status, 200)
        guard case .object(let m)? = try? JSONParser.parse(signedIn.body), case .string(let token)? = m.first(where: { $0.0 == "access_token" })?.1 else {
            return XCTFail("no token in \(String(decoding: signedIn.body, as: UTF8.self))")
        }
        let me = request(MeEndpoint(), "GET", headers: ["Authorization": "Bearer " + token])
        XCTAssertEqual(me.status, 200)
        XCTAssertTrue(String(decoding: me.body, as: UTF8.self).contains("\"email\":\"ann@example.com\""))
    }

    /// Endpoints throw domain errors; their statuses and shapes come from
    /// ErrorResponses, in the endpoint's dialect.
    func testErrorsGetTheirStatusAndShapeInOnePlace() throws {
        func body(_ r: Response) -> String { String(decoding: r.body, as: UTF8.self) }
        let missing = request(TokenEndpoint(), "POST", body: "grant_type=password&password=x")
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(body(missing).contains("\"error\":\"invalid_request\""), body(missing))
        let grant = request(TokenEndpoint(), "POST", body: "grant_type=client_credentials&username=a%40b.cd&password=x")
        XCTAssertTrue(body(grant).contains("unsupported_grant_type"), body(grant))
        let crossSite = request(SendOTPEndpoint(), "POST", body: "email=ann%40example.com",
                                headers: ["Accept": "text/html", "Origin": "https://evil.example"])
        XCTAssertEqual(crossSite.status, 403)
        let differ = request(ChangePasswordEndpoint(), "POST", body: "old_password=password+one&new_password=aaaaaaaaa&confirm_password=bbbbbbbbb",
                             headers: ["Authorization": "Bearer " + String(repeating: "A", count: 43)])
        XCTAssertEqual(differ.status, 401, "authentication comes first")
    }
}
