import GatehouseSystem
import XCTest

final class TemplateTests: XCTestCase {
    func testVariablesAndSections() throws {
        let t = try Template("Code {{code}}.\n{{#replaces}}\nOld one is dead.\n{{/replaces}}\n{{^replaces}}\nFirst code.\n{{/replaces}}\nBye")
        XCTAssertEqual(t.render(["code": "123", "replaces": "yes"]), "Code 123.\nOld one is dead.\nBye")
        XCTAssertEqual(t.render(["code": "123"]), "Code 123.\nFirst code.\nBye")
        XCTAssertEqual(t.variables, ["code", "replaces"])
    }

    func testRawValues() throws {
        XCTAssertEqual(try Template("{{{x}}}|{{&x}}|{{x}}").render(["x": "<b>"], escape: htmlEscape), "<b>|<b>|&lt;b&gt;")
    }

    func testEscaping() throws {
        XCTAssertEqual(try Template("<b>{{x}}</b>").render(["x": "<i>"], escape: htmlEscape), "<b>&lt;i&gt;</b>")
    }

    func testErrors() {
        XCTAssertThrowsError(try Template("{{#a}}x"))
        XCTAssertThrowsError(try Template("{{/a}}"))
        XCTAssertThrowsError(try Template("{{a"))
    }
}
