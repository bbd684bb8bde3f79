import GatehouseCrypto
import XCTest
import GatehouseSystem

final class CryptoTests: XCTestCase {
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

    func testKeyedHashSeparatesKeysAndDomains() {
        let a = KeyedHasher(key: [UInt8](repeating: 1, count: 32)), b = KeyedHasher(key: [UInt8](repeating: 2, count: 32))
        XCTAssertEqual(a.hex("x", domain: "user"), a.hex("x", domain: "user"))
        XCTAssertNotEqual(a.hex("x", domain: "user"), a.hex("x", domain: "session"))
        XCTAssertNotEqual(a.hex("x", domain: "user"), b.hex("x", domain: "user"))
        XCTAssertEqual(a.hex("x", domain: "user").count, 64)
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(constantTimeEqual("abc", "abc"))
        XCTAssertFalse(constantTimeEqual("abc", "abd"))
        XCTAssertFalse(constantTimeEqual("abc", "abcd"))
        XCTAssertTrue(constantTimeEqual([UInt8](), []))
    }

    let cheap = Argon2idHasher(opsLimit: 1, memLimitKiB: 8)

    func testArgon2idRoundTrip() throws {
        let h = try cheap.hash("correct horse")
        XCTAssertTrue(h.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        XCTAssertEqual(cheap.check("correct horse", against: h), .match(needsRehash: false))
        XCTAssertEqual(cheap.check("wrong horse", against: h), .mismatch)
        let stronger = Argon2idHasher(opsLimit: 2, memLimitKiB: 8)
        XCTAssertEqual(stronger.check("correct horse", against: h), .match(needsRehash: true))
    }

    /// Hashes of "password" made by htpasswd -B, mkpasswd -m yescrypt and
    /// mkpasswd -m sha-512 (the tools a site owner imports from).
    func testLegacyHashesVerifyAndAskForRehash() {
        let hashes = [
            "$2y$05$Mo9fB3htDkxkkoQxsNovA.mOimFMy9bLrLHfCQRWwxepW/r3Kxhyu",
            "$y$j9T$RBNJ.PM.doqYHBgTmNFJ4.$/0/tgkPgqjutwUpOf46wti7sDv27fuxqto8EU/AFpp4",
            "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1",
        ]
        for h in hashes {
            XCTAssertEqual(cheap.check("password", against: h), .match(needsRehash: true), h)
            XCTAssertEqual(cheap.check("Password", against: h), .mismatch, h)
        }
        XCTAssertEqual(cheap.check("password", against: "$1$abc$def"), .unsupported)
        XCTAssertEqual(cheap.check("password", against: "plain"), .unsupported)
    }

    func testRandom() {
        let r = SystemRandom()
        XCTAssertNotEqual(r.bytes(32), r.bytes(32))
        for _ in 0..<100 { XCTAssertLessThan(r.uniform(10), 10) }
    }
}
