@testable import GatehousePages
import GatehouseHTTP
import GatehouseJSON
import XCTest
import GatehouseSystem

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
