@testable import GatehouseJSON
import XCTest

final class JSONParserTests: XCTestCase {
    func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    func error(_ s: String) -> JSONParseError? {
        do { _ = try JSONParser.parse(Array(s.utf8)); return nil } catch { return error }
    }

    func testParsesDocumentsKeepingOrder() throws {
        let v = try parse(#"{"b": [1, -2.5e3, true, false, null], "a": "x\u00e9\n"}"#)
        XCTAssertEqual(v, .object([("b", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null])),
                                   ("a", .string("xé\n"))]))
        XCTAssertEqual(v.serialized(), #"{"b":[1,-2.5e3,true,false,null],"a":"xé\n"}"#)
    }

    func testLastDuplicateKeyWinsLikePython() throws {
        XCTAssertEqual(try parse(#"{"a":1,"a":2}"#)["a"], .number("2"))
    }

    /// Positions and messages from the FastAPI wire transcript (cases 6, 10, 41).
    func testErrorsMatchPythonJSON() {
        XCTAssertEqual(error(#"{"old_password":"#), JSONParseError(position: 16, message: "Expecting value"))
        XCTAssertEqual(error(#"{"old_password": "fakehashedpassword","#),
                       JSONParseError(position: 38, message: "Expecting property name enclosed in double quotes"))
        XCTAssertEqual(error(#"{"code":"#), JSONParseError(position: 8, message: "Expecting value"))
        XCTAssertEqual(error(""), JSONParseError(position: 0, message: "Expecting value"))
        XCTAssertEqual(error(#"{"a" 1}"#)?.message, "Expecting ':' delimiter")
        XCTAssertEqual(error(#"[1 2]"#)?.message, "Expecting ',' delimiter")
        XCTAssertEqual(error(#"{} x"#), JSONParseError(position: 3, message: "Extra data"))
        XCTAssertEqual(error(#""abc"#)?.message, "Unterminated string starting at")
        XCTAssertEqual(error("\"a\u{1}\"")?.message, "Invalid control character at")
        XCTAssertEqual(error(#""\x""#)?.message, #"Invalid \escape"#)
    }

    func testPositionCountsCharactersNotBytes() {
        XCTAssertEqual(error(#"{"é":"#)?.position, 5)  // Python: "char 5"
    }

    func testStrictness() {
        XCTAssertNotNil(error("NaN"))
        XCTAssertNotNil(error("[1,]"))
        XCTAssertNotNil(error("01"))
        XCTAssertNotNil(error("'a'"))
        XCTAssertEqual(error(String(repeating: "[", count: 100))?.message, "Nesting too deep")
        XCTAssertEqual((try? JSONParser.parse([0x22, 0xff, 0x22])), nil)
    }

    func testSurrogatePairs() throws {
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(error(#""\ud83d""#)?.message, #"Invalid \uXXXX escape"#)
        XCTAssertEqual(error(#""\ude00""#)?.message, #"Invalid \uXXXX escape"#)
    }

    func testSerialiserEscapesControlCharacters() {
        XCTAssertEqual(JSONValue.string("a\"\\\u{1}\u{2028}").serialized(), #""a\"\\\u0001\u2028""#)
    }

    /// These seeds (hostile shapes) must never crash the parser; each
    /// either parses and round-trips or yields an error with a sane position.
    func testFuzzSeedsRoundTrip() throws {
        for seed in fuzzSeeds {
            let bytes = Array(seed.utf8)
            do {
                let v = try JSONParser.parse(bytes)
                XCTAssertEqual(try JSONParser.parse(Array(v.serialized().utf8)), v, seed)
            } catch {
                XCTAssertLessThanOrEqual(error.position, seed.unicodeScalars.count, seed)
            }
        }
    }

    let fuzzSeeds = [
        "{}", "[]", "\"\"", "0", "-0", "1e5", "1.5E-3", "[[[[]]]]", #"{"a":{"b":[1,{"c":null}]}}"#,
        #"{"a":"#, "{", "[", "\"", "-", "1.", "1e", #"{"a":1,}"#, "tru", "nul", #""\u12""#, #""\ud800\u0041""#,
        "\u{feff}{}", " \t\r\n{} ", #"{"\u0000":1}"#,
    ]
}
