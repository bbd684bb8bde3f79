#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class EmailAddressTests: XCTestCase {
    func testEmailParsing() {
        func parse(_ s: String) -> String? { try? EmailAddress.parse(s).get().description }
        XCTAssertEqual(parse("user@EXAMPLE.COM"), "user@example.com")
        XCTAssertEqual(parse("USER@example.com"), "USER@example.com")
        XCTAssertEqual(parse("John Doe <user@example.com>"), "user@example.com")
        XCTAssertEqual(EmailAddress.parse("not-an-email"), .failure(.noAtSign))
        XCTAssertEqual(EmailAddress.parse(""), .failure(.noAtSign))
        XCTAssertEqual(EmailAddress.parse("a@b.c\r\nBcc: x@y.z"), .failure(.badCharacter))
        XCTAssertEqual(EmailAddress.parse(String(repeating: "a", count: 65) + "@example.com"), .failure(.localPartTooLong))
        XCTAssertEqual(EmailAddress.parse("a@" + String(repeating: "b", count: 250) + ".com"), .failure(.tooLong))
        XCTAssertNil(parse("a@localhost"))
        XCTAssertNil(parse("a..b@example.com"))
        // A special followed by a combining mark is still that special.
        XCTAssertNil(parse("a<\u{301}b@example.com"))
        XCTAssertNil(parse("a,\u{301}b@example.com"))
        XCTAssertNil(parse("x@\u{301}@example.com"))
    }
}

extension EmailAddressTests {
    /// The ASCII path and the Unicode-scalar path give the same answer, on
    /// generated addresses rich in the characters the rules are about, at
    /// the lengths where the limits are.
    func testTheASCIIPathAgreesWithTheGeneralOne() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "Z", "0", "9", ".", ".", "-", "@", "@", " ", "<", ">", "\"", "(", ")", ",", ":", ";", "[", "]", "\\",
                      "\t", "\u{7f}", "x", "example", "com", "..", "-a", "a-", String(repeating: "b", count: 63),
                      String(repeating: "c", count: 64)]
        var checked = 0
        for _ in 0..<20_000 {
            let some = { (n: Int) in (0..<Int.random(in: 0...n, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
            let label = { ["a", "Z9", "x-y", "-a", "a-", "", "EXAMPLE", String(repeating: "d", count: 63), String(repeating: "e", count: 64),
                           "a_b", "a b"].randomElement(using: &rng)! }
            // Half shaped like addresses (so that many pass), half anything.
            let raw = Bool.random(using: &rng)
                ? (Bool.random(using: &rng) ? "Ann <" : "") + ["ann", "a.b", "x", some(3)].randomElement(using: &rng)! + "@"
                    + (0..<Int.random(in: 1...3, using: &rng)).map { _ in label() }.joined(separator: ".")
                    + (Bool.random(using: &rng) ? ">" : "")
                : some(12)
            guard let fast = EmailAddress.parseASCII(raw) else { return XCTFail("ASCII but not taken: \(raw)") }
            XCTAssertEqual(fast, EmailAddress.parseScalars(raw), raw)
            checked += (try? fast.get()) == nil ? 0 : 1
        }
        XCTAssertGreaterThan(checked, 100, "enough valid addresses among the generated")
        XCTAssertNil(EmailAddress.parseASCII("jörg@example.com"))
        XCTAssertEqual(EmailAddress.parse("jörg@EXAMPLE.com"), EmailAddress.parseScalars("jörg@EXAMPLE.com"))
    }
}
