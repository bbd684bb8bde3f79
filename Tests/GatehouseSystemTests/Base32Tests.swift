import XCTest
import GatehouseSystem

/// RFC 4648 §10's base32 vectors, both ways; what a person types.
final class Base32Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
                       ("foobar", "MZXW6YTBOI")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base32.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base32.decode(encoded), Array(plain.utf8))
        }
    }

    func testDecodingForgivesCaseSpacesAndPaddingButNothingElse() {
        XCTAssertEqual(Base32.decode("mzxw 6ytb oi"), Array("foobar".utf8))
        XCTAssertEqual(Base32.decode("MZXW6YQ="), Array("foob".utf8))
        XCTAssertNil(Base32.decode("MZXW6YQ1"))
        XCTAssertNil(Base32.decode("MZ=XW"))
        XCTAssertNil(Base32.decode("M"), "five bits are no byte")
        XCTAssertNil(Base32.decode("MZ7"), "leftover bits must be zero")
    }
}
