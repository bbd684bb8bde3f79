import GatehouseCore
@testable import GatehouseEndpoints
import GatehouseHTTP
import GatehouseJSON
import XCTest

/// The document describes what the endpoints do; these pin the parts that
/// come from the code, so a change there cannot leave the document behind.
final class OpenAPIDocumentTests: XCTestCase {
    let doc = OpenAPIDocument.make(site: Site(passwordMinLength: 10, passwordMaxLength: 64), policy: AccountPolicy())

    func path(_ p: String) -> JSONValue? { doc["paths"]?[p] }

    func testEveryEndpointsMethodsAndNoOthers() {
        let endpoints: [(String, any Endpoint)] = [
            ("/token", TokenEndpoint()), ("/logout", LogoutEndpoint()), ("/me", MeEndpoint()), ("/", MeEndpoint()),
            ("/change-password", ChangePasswordEndpoint()), ("/send-otp", SendOTPEndpoint()),
            ("/verify-otp", VerifyOTPEndpoint()), ("/openapi.json", OpenAPIEndpoint()), ("/reauth", ReauthEndpoint()),
            ("/change-email", ChangeEmailEndpoint()), ("/change-email/undo", ChangeEmailEndpoint()),
            ("/delete-account", DeleteAccountEndpoint()), ("/delete-account/restore", DeleteAccountEndpoint()),
            ("/export", ExportEndpoint()),
        ]
        // One responder serves /mfa and its actions, each with methods of its own.
        let actions: [(String, [String])] = [MFAEndpoint.Action.setup, .confirm, .disable, .recoveryCodes].map {
            ("/mfa" + $0.rawValue, $0.methods)
        }
        guard case .object(let paths)? = doc["paths"] else { return XCTFail("no paths") }
        // And /sessions, its list (GET) and its action (POST).
        let sessions: [(String, [String])] = [("/sessions", ["GET"]), ("/sessions/revoke", ["POST"]), ("/sessions/not-me", ["GET", "POST"])]
        XCTAssertEqual(Set(SessionsEndpoint().methods), ["GET", "POST"])
        XCTAssertEqual(Set(paths.map(\.0)), Set(endpoints.map(\.0) + actions.map(\.0) + sessions.map(\.0) + ["/mfa"]))
        for (p, methods) in endpoints.map({ ($0.0, $0.1.methods) }) + actions + sessions {
            guard case .object(let operations)? = path(p) else { return XCTFail(p) }
            XCTAssertEqual(Set(operations.map { $0.0.uppercased() }), Set(methods), p)
        }
        // Its POST is a browser's second step.
        guard case .object(let mfa)? = path("/mfa") else { return XCTFail("/mfa") }
        XCTAssertEqual(mfa.map(\.0), ["get", "post"])
    }

    /// Sign-up is in the document only where the site has it, and so is
    /// verify-otp's purpose for it.
    func testSignupIsDescribedOnlyWhereTheSiteHasIt() {
        XCTAssertNil(path("/signup"))
        var policy = AccountPolicy()
        policy.signup = .open
        let open = OpenAPIDocument.make(site: Site(passwordMinLength: 10, passwordMaxLength: 64), policy: policy)
        guard case .object(let operations)? = open["paths"]?["/signup"] else { return XCTFail("no /signup") }
        XCTAssertEqual(Set(operations.map { $0.0.uppercased() }), Set(SignupEndpoint().methods))
        let purpose = { (d: JSONValue) in
            d["paths"]?["/verify-otp"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["properties"]?["purpose"]?["enum"]
        }
        guard case .array(let purposes)? = purpose(open), case .array(let closed)? = purpose(doc) else { return XCTFail("no purposes") }
        XCTAssertTrue(purposes.contains(.string("signup")))
        XCTAssertFalse(closed.contains(.string("signup")))
    }

    func testFieldLimitsAreTheValidatorsOwn() {
        let schema = path("/change-password")?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        for rule in ChangePasswordEndpoint.rules(Site(passwordMinLength: 10, passwordMaxLength: 64), reset: false) {
            let field = schema?["properties"]?[rule.name]
            XCTAssertEqual(field?["maxLength"], .int(rule.maxLength), rule.name)
            XCTAssertEqual(field?["minLength"], rule.minLength.map { .int($0) }, rule.name)
            XCTAssertEqual(field?["writeOnly"], .bool(true), rule.name)
        }
        XCTAssertEqual(schema?["required"], ["new_password", "confirm_password"])
        let token = path("/token")?["post"]?["requestBody"]?["content"]?["application/x-www-form-urlencoded"]?["schema"]
        XCTAssertEqual(token?["required"], ["username", "password"])
        XCTAssertEqual(token?["properties"]?["username"]?["maxLength"], 320)
    }

    func testEveryReferenceResolves() {
        var refs: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let members):
                for (k, x) in members { if k == "$ref", case .string(let r) = x { refs.append(r) } else { walk(x) } }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(doc)
        XCTAssertFalse(refs.isEmpty)
        for ref in refs {
            let parts = ref.dropFirst(2).split(separator: "/").map(String.init)
            var node: JSONValue? = doc
            for part in parts { node = node?[part] }
            XCTAssertNotNil(node, ref)
        }
    }

    func testSwitchesChangeTheDocument() {
        var policy = AccountPolicy()
        policy.codes.unknownAddress404 = true
        policy.codes.loginEnabled = true
        let other = OpenAPIDocument.make(site: Site(), policy: policy)
        XCTAssertNotNil(other["paths"]?["/send-otp"]?["post"]?["responses"]?["404"])
        XCTAssertNil(path("/send-otp")?["post"]?["responses"]?["404"])
        guard case .array(let parameters)? = other["paths"]?["/send-otp"]?["post"]?["parameters"] else { return XCTFail() }
        XCTAssertEqual(parameters.first { $0["name"] == "purpose" }?["schema"]?["enum"], ["", "verify", "reset", "login"])
    }
}
