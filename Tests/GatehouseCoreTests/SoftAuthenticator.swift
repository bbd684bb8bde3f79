import CSodium
import GatehouseJSON
import GatehouseSystem

/// An Ed25519 passkey in the test itself (libsodium signs): registration
/// and assertion responses in WebAuthn's JSON encodings for the options
/// the core gives, with knobs for what a hostile or broken client sends.
struct SoftPasskey {
    var id: [UInt8]
    var publicKey = [UInt8](repeating: 0, count: 32)
    var secretKey = [UInt8](repeating: 0, count: 64)
    var count: UInt32 = 0
    var handle: [UInt8] = []

    init(id: [UInt8] = (0..<16).map { _ in UInt8.random(in: 0...255) }) {
        self.id = id
        crypto_sign_keypair(&publicKey, &secretKey)
    }

    static let origin = "http://localhost:8080"

    var cose: [UInt8] { [0xA4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20] + publicKey }

    static func sha256(_ b: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        crypto_hash_sha256(&out, b, UInt64(b.count))
        return out
    }

    static func clientData(_ type: String, _ challenge: String, origin: String = origin) -> [UInt8] {
        Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(origin)","crossOrigin":false}"#.utf8)
    }

    static func authData(rpID: String = "localhost", flags: UInt8, count: UInt32) -> [UInt8] {
        sha256(Array(rpID.utf8)) + [flags] + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: count >> $0) }
    }

    static func string(_ options: JSONValue, _ key: String) -> String {
        guard case .string(let s)? = options[key] else { return "" }
        return s
    }

    /// A RegistrationResponseJSON for creation options.
    mutating func register(_ options: JSONValue, flags: UInt8 = 0x05, challenge: String? = nil) -> JSONValue {
        if case .object? = options["user"], case .string(let h)? = options["user"]!["id"] { handle = Base64.decodeURL(h) ?? [] }
        let cd = Self.clientData("webauthn.create", challenge ?? Self.string(options, "challenge"))
        let ad = Self.authData(flags: flags | 0x40, count: count) + [UInt8](repeating: 0, count: 16)
            + [UInt8(id.count >> 8), UInt8(id.count & 0xFF)] + id + cose
        // {"fmt": "none", "attStmt": {}, "authData": h'…'}
        let att: [UInt8] = [0xA3, 0x63] + Array("fmt".utf8) + [0x64] + Array("none".utf8) + [0x67] + Array("attStmt".utf8) + [0xA0]
            + [0x68] + Array("authData".utf8) + [0x59, UInt8(ad.count >> 8), UInt8(ad.count & 0xFF)] + ad
        return .object([("id", .string(Base64.url(id))), ("rawId", .string(Base64.url(id))), ("type", .string("public-key")),
                        ("response", .object([("clientDataJSON", .string(Base64.url(cd))),
                                              ("attestationObject", .string(Base64.url(att)))]))])
    }

    /// An AuthenticationResponseJSON for request options, signed.
    mutating func assert(_ options: JSONValue, flags: UInt8 = 0x05, count: UInt32? = nil, origin: String = origin,
                         handle: [UInt8]? = nil, challenge: String? = nil) -> JSONValue {
        self.count = count ?? self.count + 1
        let cd = Self.clientData("webauthn.get", challenge ?? Self.string(options, "challenge"), origin: origin)
        let ad = Self.authData(flags: flags, count: self.count)
        let message = ad + Self.sha256(cd)
        var signature = [UInt8](repeating: 0, count: 64)
        crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey)
        return .object([("id", .string(Base64.url(id))), ("rawId", .string(Base64.url(id))), ("type", .string("public-key")),
                        ("response", .object([("clientDataJSON", .string(Base64.url(cd))), ("authenticatorData", .string(Base64.url(ad))),
                                              ("signature", .string(Base64.url(signature))),
                                              ("userHandle", .string(Base64.url(handle ?? self.handle)))]))])
    }
}
