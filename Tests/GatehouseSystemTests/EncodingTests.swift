import XCTest
import GatehouseSystem

final class EncodingTests: XCTestCase {
    /// RFC 4648 §10 vectors, in the base64url alphabet without padding.
    func testBase64URLVectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (input, output) in vectors { XCTAssertEqual(Base64.url(Array(input.utf8)), output) }
        XCTAssertEqual(Base64.url([0xfb, 0xff]), "-_8")
        XCTAssertTrue(Base64.isURLEncoding(Base64.url([UInt8](repeating: 7, count: 32)), ofByteCount: 32))
        XCTAssertFalse(Base64.isURLEncoding("abc+", ofByteCount: 3))
    }

    func testHex() {
        XCTAssertEqual(Hex.encode([0, 0xab, 0xff]), "00abff")
        XCTAssertEqual(Hex.decode("00ABff"), [0, 0xab, 0xff])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
    }
}
