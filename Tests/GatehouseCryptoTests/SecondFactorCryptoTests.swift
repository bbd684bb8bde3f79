import GatehouseCrypto
import GatehouseSystem
import XCTest

/// HMAC-SHA1 from libcrypto against RFC 2202's test cases, and the sealed
/// secrets of the second factor.
final class SecondFactorCryptoTests: XCTestCase {
    func testHMACSHA1MatchesRFC2202() throws {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
            ([UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        ]
        for (key, message, expected) in cases {
            XCTAssertEqual(Hex.encode(try HMACSHA1.mac(key: key, message: message)), expected)
        }
    }

    func testASealedSecretOpensOnlyInItsOwnBoxAndUnaltered() {
        let keys = KeyedHasher(key: [UInt8](repeating: 7, count: 32))
        let box = SecretBox(keys: keys, purpose: "totp")
        let secret = Array("12345678901234567890".utf8)
        let sealed = box.seal(secret, random: SystemRandom())
        XCTAssertEqual(box.open(sealed), secret)
        XCTAssertNotEqual(box.seal(secret, random: SystemRandom()), sealed, "a fresh nonce each time")
        var altered = sealed
        altered[altered.count - 1] ^= 1
        XCTAssertNil(box.open(altered))
        XCTAssertNil(SecretBox(keys: keys, purpose: "other").open(sealed))
        XCTAssertNil(SecretBox(keys: KeyedHasher(key: [UInt8](repeating: 8, count: 32)), purpose: "totp").open(sealed))
        XCTAssertNil(box.open(Array(sealed.prefix(10))))
        XCTAssertEqual(box.open(box.seal([], random: SystemRandom())), [])
    }
}
