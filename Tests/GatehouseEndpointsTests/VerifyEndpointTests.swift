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
