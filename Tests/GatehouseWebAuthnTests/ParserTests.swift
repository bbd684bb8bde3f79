@testable import GatehouseWebAuthn
import XCTest

/// The bounded CBOR reader, COSE keys and authenticator data, each given
/// the input a hostile client would send.
final class ParserTests: XCTestCase {
    func refused(_ bytes: [UInt8], _ why: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CBOR.decode(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? WebAuthnError, .malformed(why), file: file, line: line)
        }
    }

    func testCBORItems() throws {
        XCTAssertEqual(try CBOR.decode([0x18, 0x64]), .unsigned(100))
        XCTAssertEqual(try CBOR.decode([0x38, 0x63]), .negative(99))
        XCTAssertEqual(try CBOR.decode([0x38, 0x63]).int, -100)
        XCTAssertEqual(try CBOR.decode([0x43, 1, 2, 3]), .bytes([1, 2, 3]))
        XCTAssertEqual(try CBOR.decode([0x62, 0x68, 0x69]), .text("hi"))
        XCTAssertEqual(try CBOR.decode([0x82, 0xF5, 0xF6]), .array([.bool(true), .null]))
        let map = try CBOR.decode([0xA2, 0x01, 0x02, 0x20, 0x41, 0xFF])
        XCTAssertEqual(map[int: 1], .unsigned(2))
        XCTAssertEqual(map[int: -1], .bytes([0xFF]))
        let (item, used) = try CBOR.read([0x01, 0x02][...])
        XCTAssertEqual(item, .unsigned(1))
        XCTAssertEqual(used, 1, "what follows is the caller's")
    }

    func testCBORThatGeneralDecodersChokeOnIsRefused() {
        refused([0x5F, 0x41, 0x00, 0xFF], "CBOR: indefinite or reserved length")
        // The fuzzer's first find: a length one byte past the end, counted
        // from before the length's own byte (it crashed the reader).
        refused([0x58, 0x02, 0x01], "CBOR: a length beyond the data")
        refused([0x82, 0x78, 0x03, 0x61, 0x62], "CBOR: a length beyond the data")
        refused([0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "CBOR: a length beyond the data")
        refused([0x9B, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], "CBOR: a length beyond the data")
        refused([0xBA, 0x7F, 0xFF, 0xFF, 0xFF], "CBOR: a length beyond the data")
        refused(Array(repeating: 0x81, count: 20) + [0x00], "CBOR: nested too deep")
        refused([0xA2, 0x01, 0x00, 0x01, 0x00], "CBOR: a map key twice")
        refused([0xC2, 0x41, 0x00], "CBOR: tags are not accepted")
        refused([0xF9, 0x3C, 0x00], "CBOR: floats and other simple values are not accepted")
        refused([0x62, 0xC3, 0x28], "CBOR: text that is not UTF-8")
        refused([0x01, 0x02], "CBOR: bytes after the item")
        refused([0x19, 0x01], "CBOR: cut short")
        refused([], "CBOR: cut short")
        // 4097 items in arrays within the depth limit.
        refused([0x99, 0x10, 0x01] + Array(repeating: 0x00, count: 4097), "CBOR: too many items")
    }

    func cose(_ pairs: [(Int, [UInt8])]) -> [UInt8] {
        // Small maps only: each key and value as CBOR, values given encoded.
        var out: [UInt8] = [0xA0 | UInt8(pairs.count)]
        for (k, v) in pairs { out += (k >= 0 ? [UInt8(k)] : [0x20 | UInt8(-1 - k)]) + v }
        return out
    }

    func testCOSEKeyTypeCurveAndAlgorithmMustAgree() throws {
        let point: [UInt8] = [0x58, 0x20] + Array(repeating: 7, count: 32)
        let p256 = cose([(1, [0x02]), (3, [0x26]), (-1, [0x01]), (-2, point), (-3, point)])
        XCTAssertEqual(try COSEKey(p256), .es256(x: Array(repeating: 7, count: 32), y: Array(repeating: 7, count: 32)))
        XCTAssertThrowsError(try COSEKey(cose([(1, [0x02]), (3, [0x26]), (-1, [0x02]), (-2, point), (-3, point)])),
                             "P-384 is not taken")
        XCTAssertThrowsError(try COSEKey(cose([(1, [0x01]), (3, [0x26]), (-1, [0x06]), (-2, point)])), "OKP with ES256")
        XCTAssertThrowsError(try COSEKey(cose([(1, [0x02]), (3, [0x26]), (-1, [0x01]), (-2, [0x41, 0x07]), (-3, point)])),
                             "a short coordinate")
        XCTAssertThrowsError(try COSEKey(cose([(1, [0x03]), (3, [0x39, 0x01, 0x00]), (-1, [0x41, 0x01]), (-2, [0x43, 1, 0, 1])])),
                             "an RSA key of 8 bits")
        XCTAssertThrowsError(try COSEKey(cose([(1, [0x02]), (3, [0x38, 0x22])])), "ES384 is not taken")
        // A point that is not on the curve never verifies anything.
        XCTAssertFalse(try COSEKey(p256).verify([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], over: [1, 2, 3]))
    }

    /// What is stored is the key's own members in deterministic CBOR,
    /// whatever else the authenticator put in its map.
    func testAKeyIsStoredReencodedWithItsOwnMembersOnly() throws {
        let point: [UInt8] = [0x58, 0x20] + Array(repeating: 7, count: 32)
        let padding: [UInt8] = [0x59, 0x2E, 0xE0] + Array(repeating: 0, count: 12_000)
        let padded = cose([(-3, point), (-2, point), (-1, [0x01]), (3, [0x26]), (1, [0x02]), (-9, padding)])
        let key = try COSEKey(padded)
        let canonical = cose([(1, [0x02]), (3, [0x26]), (-1, [0x01]), (-2, point), (-3, point)])
        XCTAssertEqual(key.encoded, canonical)
        let rsa = COSEKey.rs256(modulus: Array(repeating: 0xC5, count: 512), exponent: [1, 0, 1])
        XCTAssertEqual(try COSEKey(rsa.encoded), rsa)
        XCTAssertEqual(rsa.encoded.count, 1 + 2 + (1 + 3) + (1 + 3 + 512) + (1 + 4), "map, kty, alg, n, e")
        let ed = COSEKey.ed25519(Array(repeating: 3, count: 32))
        XCTAssertEqual(try COSEKey(ed.encoded), ed)
    }

    func testAuthenticatorDataAccountsForEveryByte() throws {
        let head = Array(repeating: UInt8(9), count: 32) + [0x05, 0, 0, 0, 7]
        let plain = try AuthenticatorData(head)
        XCTAssertEqual(plain.signCount, 7)
        XCTAssertEqual(plain.flags, [.up, .uv])
        XCTAssertNil(plain.credential)
        XCTAssertThrowsError(try AuthenticatorData(head + [0]), "trailing bytes")
        XCTAssertThrowsError(try AuthenticatorData(Array(head.prefix(36))), "short")
        var attested = head
        attested[32] |= 0x40
        let key: [UInt8] = [0xA1, 0x01, 0x02]
        let data = try AuthenticatorData(attested + Array(repeating: 0, count: 16) + [0, 2, 0xAB, 0xCD] + key)
        XCTAssertEqual(data.credential?.id, [0xAB, 0xCD])
        XCTAssertEqual(data.credential?.publicKey, key)
        XCTAssertThrowsError(try AuthenticatorData(attested + Array(repeating: 0, count: 16) + [0xFF, 0xFF, 1]), "an id past the end")
        XCTAssertThrowsError(try AuthenticatorData(attested + Array(repeating: 0, count: 16) + [0, 0] + key), "an empty id")
        var extended = head
        extended[32] |= 0x80
        XCTAssertNoThrow(try AuthenticatorData(extended + [0xA0]))
        XCTAssertThrowsError(try AuthenticatorData(extended + [0x80]), "extensions that are not a map")
        XCTAssertThrowsError(try AuthenticatorData(extended), "extensions announced, none there")
    }

    func testClientData() throws {
        let rp = RelyingParty(id: "localhost", origins: ["http://localhost:8080"])
        let good = Array(#"{"type":"webauthn.get","challenge":"AAEC","origin":"http://localhost:8080","crossOrigin":false}"#.utf8)
        XCTAssertEqual(try ClientData(good).challenge, [0, 1, 2])
        XCTAssertNoThrow(try ClientData(good).check(type: "webauthn.get", rp: rp))
        let framed = Array(#"{"type":"webauthn.get","challenge":"AAEC","origin":"http://localhost:8080","crossOrigin":true}"#.utf8)
        XCTAssertThrowsError(try ClientData(framed).check(type: "webauthn.get", rp: rp))
        let top = Array(#"{"type":"webauthn.get","challenge":"AAEC","origin":"http://localhost:8080","topOrigin":"https://evil.example"}"#.utf8)
        XCTAssertThrowsError(try ClientData(top).check(type: "webauthn.get", rp: rp))
        let lookalike = Array(#"{"type":"webauthn.get","challenge":"AAEC","origin":"http://localhost:8080.evil.example"}"#.utf8)
        XCTAssertThrowsError(try ClientData(lookalike).check(type: "webauthn.get", rp: rp))
        XCTAssertThrowsError(try ClientData(Array(#"{"type":"webauthn.get","challenge":7,"origin":"x"}"#.utf8)))
        XCTAssertThrowsError(try ClientData(Array("not json".utf8)))
    }
}
