@testable import GatehouseEndpoints
import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseSystem
import TestSupport
import XCTest

/// The shipped catalogues (deploy/templates/locales): complete, and every
/// message a page can show is worded in each.
final class ShippedCatalogueTests: EndpointTestCase {
    var root: String { "/" + String(#filePath).split(separator: "/").dropLast(3).joined(separator: "/") }

    func shipped() throws -> [Catalogue] {
        let dir = root + "/deploy/templates/locales"
        return try Directory.names(dir).filter { $0.hasSuffix(".txt") }.sorted().map {
            try Catalogue(language: String($0.dropLast(4)), source: try TextFile.read(dir + "/" + $0))
        }
    }

    func testEveryKeyIsInEveryShippedCatalogue() throws {
        let all = try shipped()
        XCTAssertGreaterThanOrEqual(all.count, 2)
        let english = try XCTUnwrap(all.first { $0.language == "en" })
        for c in all {
            XCTAssertEqual(english.keys.subtracting(c.keys).sorted(), [], "missing in \(c.language).txt")
            XCTAssertEqual(c.keys.subtracting(english.keys).sorted(), [], "in \(c.language).txt but not in en.txt")
        }
    }

    /// Each error the endpoints can answer a browser with has its own words
    /// in every shipped language (not the JSON API's English).
    func testEveryPageErrorIsWordedInEachLanguage() throws {
        let ctx = RequestContext(request: Request(params: ["REQUEST_METHOD": "POST", "REQUEST_URI": "/account/token"]),
                                 body: DecodedBody(encoding: .none, value: nil), html: true, services: services)
        let accountErrors: [AccountError] = [.notAuthenticated, .invalidCredentials, .accountLocked, .throttled(retryAfter: 5),
                                             .tooManyCodeRequests(retryAfter: 5), .userExists, .userNotFound, .invalidCode,
                                             .wrongPassword, .changedMeanwhile, .stepUpRequired, .purposeDisabled("login"),
                                             .unknownAddress, .secondFactorRequired, .invalidSecondFactor,
                                             .reauthenticationRequired, .reauthenticationFailed, .secondFactorNotEnabled]
        let requestErrors: [RequestError] = [.notAuthenticated, .crossOrigin, .csrf, .passwordsDiffer, .bodyCutShort,
                                             .invalidEmail(raw: "x", location: "body", reason: "An email address must have an @-sign."),
                                             .invalidPurpose(raw: "x"), .missingEmail, .invalidTokenRequest("Missing parameter: username"),
                                             .unsupportedGrantType]
        var errors = accountErrors.map { ErrorResponses.httpError($0, ctx: ctx) } + requestErrors.map { ErrorResponses.httpError($0, ctx: ctx) }
        errors += [.methodNotAllowed(["GET"]), .notFound, .tooLarge(100), .unsupportedMediaType, .malformedQuery,
                   ErrorResponses.httpError(StoreError.unavailable("down"), ctx: ctx)]
        for reason in ["this password is too common; choose one that is harder to guess",
                       "the password must not contain your e-mail address", "the new password must differ from the current one"] {
            errors.append(ErrorResponses.httpError(AccountError.invalidField(field: "new_password", reason: reason), ctx: ctx))
        }
        for (field, value) in [("new_password", "short"), ("new_password", String(repeating: "x", count: 200)),
                               ("old_password", "a\u{0}bcdefgh")] {
            let rules = [FieldRule(field, minLength: 8, maxLength: 128, secret: true), FieldRule("missing_one")]
            do {
                _ = try FieldValidator.validate(.object([(field, .string(value))]), query: [], rules: rules)
            } catch {
                errors.append(.validation(error.issues))
            }
        }
        for c in try shipped() {
            let pages = Pages(layout: try Template("{{{content}}}"), site: "S", catalogues: [c])
            let page = pages.page(acceptLanguage: c.language)
            for e in errors {
                XCTAssertNotNil(page.text("api: " + e.message), "\(c.language): no words for \"\(e.message)\"")
                for issue in e.issues {
                    XCTAssertNotEqual(page.problem(issue), issue.msg, "\(c.language): no words for \(issue.type) \"\(issue.msg)\"")
                }
            }
        }
    }
}
