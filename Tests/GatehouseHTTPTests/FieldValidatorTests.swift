@testable import GatehouseHTTP
import GatehouseJSON
import XCTest
import GatehouseSystem

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
