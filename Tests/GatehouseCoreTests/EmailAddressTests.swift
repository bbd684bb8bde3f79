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
