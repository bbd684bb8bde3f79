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

final class FieldValidatorTests: XCTestCase {
    let rules = [
        FieldRule("old_password", minLength: 8, maxLength: 128, secret: true),
        FieldRule("new_password", minLength: 8, maxLength: 128, secret: true),
        FieldRule("note", required: false, maxLength: 4),
    ]

    func issues(_ body: JSONValue?) -> [JSONValue] {
        do { _ = try FieldValidator.validate(body, query: [], rules: rules); return [] } catch {
            return error.issues.map(\.json)
        }
    }

    func parse(_ s: String) -> JSONValue { try! JSONParser.parse(Array(s.utf8)) }

    func testMissingFieldsEchoTheBodyRedacted() {
        XCTAssertEqual(issues(parse(#"{"old_password":"secret-old-pw"}"#)).map { $0.serialized() }, [
            #"{"type":"missing","loc":["body","new_password"],"msg":"Field required","input":{"old_password":"[redacted]"}}"#,
        ])
        XCTAssertEqual(issues(nil).map { $0.serialized() }, [#"{"type":"missing","loc":["body"],"msg":"Field required","input":null}"#])
    }

    func testTypesAndLengthsInPydanticsShape() {
        let found = issues(parse(#"{"old_password":12345678,"new_password":"short","note":"toolong"}"#)).map { $0.serialized() }
        XCTAssertEqual(found, [
            #"{"type":"string_type","loc":["body","old_password"],"msg":"Input should be a valid string","input":"[redacted]"}"#,
            #"{"type":"string_too_short","loc":["body","new_password"],"msg":"String should have at least 8 characters","input":"[redacted]","ctx":{"min_length":8}}"#,
            #"{"type":"string_too_long","loc":["body","note"],"msg":"String should have at most 4 characters","input":"toolong","ctx":{"max_length":4}}"#,
        ])
    }

    func testNonObjectBody() {
        XCTAssertEqual(issues(.array([])).first?["type"], .string("model_attributes_type"))
    }

    func testLengthIsCountedAfterNFC() throws {
        // "é" typed as e + combining accent is one character.
        let v = try FieldValidator.validate(.object([("old_password", .string(String(repeating: "e\u{301}", count: 8))),
                                                     ("new_password", .string("12345678"))]), query: [], rules: rules)
        XCTAssertNotNil(v["old_password"])
    }

    func testAFieldInQueryAndBodyMustAgree() throws {
        let rules = [FieldRule("purpose", from: .queryOrBody, required: false, maxLength: 16)]
        let body = JSONValue.object([("purpose", .string("AAA"))])
        XCTAssertThrowsError(try FieldValidator.validate(body, query: [("purpose", "")], rules: rules)) { error in
            let issue = (error as? HTTPError)?.issues.first
            XCTAssertEqual(issue?.loc, [.string("body"), .string("purpose")])
            XCTAssertEqual(issue?.type, "value_error")
        }
        XCTAssertEqual(try FieldValidator.validate(.object([("purpose", .string("reset"))]), query: [("purpose", "reset")],
                                                   rules: rules)["purpose"], "reset")
        XCTAssertEqual(try FieldValidator.validate(body, query: [], rules: rules)["purpose"], "AAA")
    }

    func testNULIsRefused() {
        XCTAssertEqual(issues(.object([("old_password", .string("abcdefgh\u{0}")), ("new_password", .string("12345678"))])).first?["type"],
                       .string("value_error"))
    }
}

final class ResponseTests: XCTestCase {
    func testSerialisationHasStatusReasonLengthAndNoStore() {
        let r = Response.detail(422, "x")
        let text = String(decoding: r.serialized(), as: UTF8.self)
        XCTAssertEqual(text, "Status: 422 Unprocessable Entity\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: 14\r\n\r\n{\"detail\":\"x\"}")
    }

    func testHeaderValuesCannotBeSplit() {
        let r = Response.redirect(to: "/x\r\nSet-Cookie: evil=1")
        XCTAssertFalse(String(decoding: r.serialized(), as: UTF8.self).contains("\r\nSet-Cookie"))
    }

    func testHTMLCarriesSecurityHeaders() {
        let r = Response.html(200, "<p>")
        XCTAssertTrue(r.header("Content-Security-Policy")!.contains("frame-ancestors 'none'"))
        XCTAssertEqual(r.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(r.header("Referrer-Policy"), "same-origin")
    }

    func testPagesEscapeAndUseTheLayout() throws {
        let pages = Pages(layout: try Template("<title>{{title}} - {{site}}</title><main>{{{content}}}</main>"), site: "S&P",
                          catalogues: [try Catalogue(language: "en", source: "")])
        let page = pages.page(acceptLanguage: nil)
            .form(title: "<t>", action: "/a\"", fields: [FormField("u", label: "L", value: "\"><script>")], submit: "Go")
        XCTAssertFalse(page.contains("<script>"))
        XCTAssertTrue(page.contains("&quot;&gt;&lt;script&gt;"))
        XCTAssertTrue(page.hasPrefix("<title>&lt;t&gt; - S&amp;P</title><main><form method=\"post\""))
    }
}

/// Catalogues, the choice of language, and how pages word errors (pure).
final class LanguageTests: XCTestCase {
    func testCatalogueLinesAndMistakes() throws {
        let c = try Catalogue(language: "de", source: "# comment\n\nsignin.title = Anmelden\r\napi: Invalid OTP = Falscher Code\n")
        XCTAssertEqual(c.text("signin.title"), "Anmelden")
        XCTAssertEqual(c.text("api: Invalid OTP"), "Falscher Code")
        XCTAssertEqual(c.direction, "ltr")
        XCTAssertEqual(try Catalogue(language: "ar", source: "language.dir = rtl").direction, "rtl")
        XCTAssertThrowsError(try Catalogue(language: "x", source: "no equals sign"))
        XCTAssertThrowsError(try Catalogue(language: "x", source: "a = 1\na = 2"))
        XCTAssertEqual(Catalogue.fill("{n} of {m}, {unknown}", ["n": "1", "m": "2"]), "1 of 2, {unknown}")
    }

    func testAcceptLanguage() {
        let available: Set = ["en", "de", "pt-br"]
        XCTAssertEqual(LanguageChoice.best("de-AT,de;q=0.9,en;q=0.8", available: available, fallback: "en"), "de")
        XCTAssertEqual(LanguageChoice.best("fr-FR, fr;q=0.9", available: available, fallback: "en"), "en")
        XCTAssertEqual(LanguageChoice.best("fr;q=0.9, de;q=0.5", available: available, fallback: "en"), "de")
        XCTAssertEqual(LanguageChoice.best("en;q=0.1, de", available: available, fallback: "en"), "de")
        XCTAssertEqual(LanguageChoice.best("PT-BR", available: available, fallback: "en"), "pt-br")
        XCTAssertEqual(LanguageChoice.best("de;q=0", available: available, fallback: "en"), "en")
        XCTAssertEqual(LanguageChoice.best("*", available: available, fallback: "de"), "de")
        XCTAssertEqual(LanguageChoice.best(nil, available: available, fallback: "de"), "de")
        XCTAssertEqual(LanguageChoice.best(";;;,,q=x", available: available, fallback: "en"), "en")
    }

    func testPagesWordErrorsInTheirLanguageAndFallBack() throws {
        let en = try Catalogue(language: "en", source: """
            issue.string_too_short = At least {min_length}.
            api: Invalid OTP = Wrong code.
            wait.again-in = Again in {time}.
            time.seconds = {n} seconds
            time.minutes = {n} minutes
            time.minute = 1 minute
            nav.home = Home
            """)
        let de = try Catalogue(language: "de", source: "api: Invalid OTP = Falscher Code.\nnav.home = Start")
        let pages = Pages(layout: try Template("<html lang=\"{{lang}}\" dir=\"{{dir}}\">{{{content}}}"), site: "S",
                          catalogues: [en, de])
        let page = pages.page(acceptLanguage: "de")
        XCTAssertEqual(page.message("Invalid OTP"), "Falscher Code.")
        XCTAssertEqual(page["nav.home"], "Start")
        // A key German lacks comes in English; one no catalogue has, as itself.
        XCTAssertEqual(page.problem(ValidationIssue(type: "string_too_short", loc: [.string("body"), .string("new_password")],
                                                    msg: "String should have at least 8 characters", input: .null,
                                                    ctx: [("min_length", .number("8"))])), "At least 8.")
        XCTAssertEqual(page["no.such.key"], "no.such.key")
        XCTAssertEqual(page.explain(.tooManyRequests("Too many codes requested; try again later", retryAfter: 75)),
                       "Too many codes requested; try again later Again in 75 seconds.")
        XCTAssertEqual(page.duration(150), "3 minutes")
        XCTAssertEqual(page.duration(60), "60 seconds")
        XCTAssertTrue(page.document(title: "t", body: "").hasPrefix("<html lang=\"de\" dir=\"ltr\">"))
    }
}
