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

/// Endpoints in process: a request in, a response out, against a real
/// data directory. For what needs no web server, such as a request marked
/// HTTPS, which the test nginx does not serve.
/// A real data directory and the services a responder would make from it;
/// the test cases below run endpoints against it.
class EndpointTestCase: XCTestCase {
    var dir = ""
    var services: Services!

    override func setUpWithError() throws {
        dir = TestFiles.temporaryDirectory("endpoints")
        let store = try FlatFileStore.create(root: dir + "/data")
        _ = try ServerSecrets.createKeyIfMissing(in: store, random: SystemRandom())
        let root = String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/")
        let conf = """
            data_dir = \(dir)/data
            maildir = \(dir)/mail
            templates_dir = /\(root)/deploy/templates
            password_blocklist =
            argon2_memlimit_kib = 1024
            argon2_opslimit = 1
            otp_send_cooldown = 0

            """
        try TestFiles.write(dir + "/gatehouse.conf", conf)
        let config = try Config.load(path: dir + "/gatehouse.conf")
        services = try Services.make(config: config, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    override func tearDown() { TestFiles.removeTree(dir) }

    func request<E: Endpoint>(_ endpoint: E, _ method: String, body: String = "", query: String = "",
                              headers: [String: String] = [:]) -> Response {
        var params = ["REQUEST_METHOD": method, "REQUEST_URI": "/account/\(endpoint.name)", "QUERY_STRING": query,
                      "REMOTE_ADDR": "192.0.2.1", "HTTP_HOST": "example.com", "SERVER_PORT": "443", "HTTPS": "on"]
        if !body.isEmpty { params["CONTENT_TYPE"] = "application/x-www-form-urlencoded" }
        for (k, v) in headers { params["HTTP_" + k.uppercased().map { $0 == "-" ? "_" : $0 }.reduce("") { $0 + String($1) }] = v }
        return EndpointResponder(endpoint, services: services).handle(Request(params: params, body: Array(body.utf8)))
    }

    func newestMail() throws -> String {
        let names = Directory.names(dir + "/mail/new")
        return dir + "/mail/new/" + names.sorted().last!
    }
}

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

/// verify's answers in both FastCGI roles, in process.
final class VerifyEndpointTests: EndpointTestCase {
    func testBothRolesAndThePolicies() throws {
        let ann = try EmailAddress.parse("ann@example.com").get()
        try services.accounts.addUser(ann, password: "password one")
        let token = try services.accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1").token
        func ask(_ extra: [String: String]) -> Response {
            var params = ["REQUEST_METHOD": "DELETE", "REQUEST_URI": "/wiki/x?y=1", "HTTP_HOST": "example.com", "HTTPS": "on",
                          "CONTENT_LENGTH": "99"]
            for (k, v) in extra { params[k] = v }
            return EndpointResponder(VerifyEndpoint(), services: services).handle(Request(params: params, bodyIncomplete: true))
        }
        let out = ask([:])
        XCTAssertEqual(out.status, 401)
        XCTAssertEqual(out.header("Location"), "https://example.com/account/token?rd=https%3A%2F%2Fexample.com%2Fwiki%2Fx%3Fy%3D1")
        XCTAssertEqual(ask(["FCGI_ROLE": "AUTHORIZER"]).status, 302)
        let bearer = ["HTTP_AUTHORIZATION": "Bearer " + token]
        let allowed = ask(bearer)
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(allowed.header("Remote-User"), "ann@example.com")
        XCTAssertEqual(allowed.header("Remote-Email-Verified"), "false")
        let variables = ask(bearer.merging(["FCGI_ROLE": "AUTHORIZER"]) { $1 })
        XCTAssertEqual(variables.header("Variable-REMOTE_USER"), "ann@example.com")
        let policy = ask(bearer.merging(["GATEHOUSE_REQUIRE": "verified-email"]) { $1 })
        XCTAssertEqual(policy.status, 403)
        XCTAssertTrue(policy.header("Location")!.contains("/account/send-otp?purpose=verify&rd="))
        XCTAssertEqual(ask(bearer.merging(["GATEHOUSE_REQUIRE": "nonsense"]) { $1 }).status, 500)
        // Present but empty (a `map` that matched nothing) is not the weakest policy.
        XCTAssertEqual(ask(bearer.merging(["GATEHOUSE_REQUIRE": ""]) { $1 }).status, 500)
        XCTAssertEqual(ask(["GATEHOUSE_REQUIRE": ""]).status, 500)
        XCTAssertEqual(ask(bearer.merging(["GATEHOUSE_REQUIRE": "signed-in"]) { $1 }).status, 200)
        // mod_fcgid copies a grant's headers into the protected page's
        // answer: a Content-Length there would cut that page off.
        XCTAssertEqual(String(decoding: variables.serialized(), as: UTF8.self),
                       "Status: 200 OK\r\nVariable-REMOTE_USER: ann@example.com\r\nVariable-GATEHOUSE_EMAIL: ann@example.com\r\n"
                       + "Variable-GATEHOUSE_EMAIL_VERIFIED: false\r\n\r\n")
    }

    /// Apache's ErrorDocument 401 after mod_fcgid refused a request: the
    /// sign-in form keeps the 401 and returns to the refused URL; a visitor
    /// already signed in goes on to the step-up instead.
    func testTheSignInFormAsApachesErrorDocument() throws {
        let refused = ["REQUEST_METHOD": "GET", "REQUEST_URI": "/account/token", "HTTP_HOST": "example.com", "HTTPS": "on",
                       "HTTP_ACCEPT": "text/html", "REDIRECT_STATUS": "401", "REDIRECT_URL": "/wiki/a page",
                       "REDIRECT_QUERY_STRING": "x=%2F"]
        let form = EndpointResponder(TokenEndpoint(), services: services).handle(Request(params: refused))
        XCTAssertEqual(form.status, 401)
        XCTAssertTrue(String(decoding: form.body, as: UTF8.self)
            .contains(#"name="rd" value="https://example.com/wiki/a%20page?x=%2F""#))
        let ann = try EmailAddress.parse("ann@example.com").get()
        try services.accounts.addUser(ann, password: "password one")
        let token = try services.accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1").token
        let signedIn = refused.merging(["HTTP_COOKIE": "__Host-gatehouse_session=" + token]) { $1 }
        let onward = EndpointResponder(TokenEndpoint(), services: services).handle(Request(params: signedIn))
        XCTAssertEqual(onward.status, 303)
        XCTAssertEqual(onward.header("Location"),
                       "https://example.com/account/send-otp?purpose=verify&rd=https%3A%2F%2Fexample.com%2Fwiki%2Fa%2520page%3Fx%3D%252F")
        // Without REDIRECT_STATUS the variables mean nothing (nginx never sets them).
        var plain = refused
        plain["REDIRECT_STATUS"] = nil
        let ordinary = EndpointResponder(TokenEndpoint(), services: services).handle(Request(params: plain))
        XCTAssertEqual(ordinary.status, 200)
        XCTAssertFalse(String(decoding: ordinary.body, as: UTF8.self).contains(#"name="rd""#))
    }
}

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
