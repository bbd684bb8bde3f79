import GatehouseCrypto

/// A credential's public key as COSE (RFC 9052/9053) carries it, for the
/// three algorithms this site takes: ES256 (-7, EC2 on P-256), RS256
/// (-257, RSA) and EdDSA (-8, OKP Ed25519). The key's type, curve and
/// algorithm must agree; anything else is refused. Pure but for the
/// verification, which libcrypto and libsodium do.
public enum COSEKey: Equatable, Sendable {
    case es256(x: [UInt8], y: [UInt8])
    case rs256(modulus: [UInt8], exponent: [UInt8])
    case ed25519([UInt8])

    /// The algorithms offered at registration, in order of preference.
    package static let algorithms = [-7, -8, -257]

    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        let key = try CBOR.decode(bytes)
        guard case .map = key, let kty = key[int: 1]?.int, let alg = key[int: 3]?.int else {
            throw .malformed("COSE key without kty or alg")
        }
        let bytes = { (label: Int) throws(WebAuthnError) -> [UInt8] in try Self.parameter(key, label) }
        switch (kty, alg) {
        case (2, -7):
            guard key[int: -1]?.int == 1 else { throw .unsupported("EC2 key on a curve other than P-256") }
            let x = try bytes(-2), y = try bytes(-3)
            guard x.count == 32, y.count == 32 else { throw .malformed("P-256 coordinates are 32 bytes") }
            self = .es256(x: x, y: y)
        case (3, -257):
            let n = try bytes(-1), e = try bytes(-2)
            guard n.count >= 256, n.count <= 1024, !e.isEmpty, e.count <= 8 else { throw .unsupported("RSA key size") }
            self = .rs256(modulus: n, exponent: e)
        case (1, -8):
            guard key[int: -1]?.int == 6 else { throw .unsupported("OKP key on a curve other than Ed25519") }
            let x = try bytes(-2)
            guard x.count == 32 else { throw .malformed("an Ed25519 key is 32 bytes") }
            self = .ed25519(x)
        default:
            throw .unsupported("COSE key type \(kty) with algorithm \(alg)")
        }
    }

    static func parameter(_ key: CBOR, _ label: Int) throws(WebAuthnError) -> [UInt8] {
        guard case .bytes(let b)? = key[int: label] else { throw .malformed("COSE key parameter \(label)") }
        return b
    }

    /// The COSE algorithm number.
    package var algorithm: Int {
        switch self {
        case .es256: return -7
        case .rs256: return -257
        case .ed25519: return -8
        }
    }

    /// The key in COSE's deterministic encoding (RFC 8949 §4.2.1: shortest
    /// forms, map keys in bytewise order), with nothing but what it is
    /// made of. What is stored: an authenticator may send members of its
    /// own, and a record should not keep kilobytes it never reads.
    public var encoded: [UInt8] {
        var members: [(Int, CBOREncoding)] = [(1, .int(kty)), (3, .int(algorithm))]
        switch self {
        case .es256(let x, let y): members += [(-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(y))]
        case .rs256(let n, let e): members += [(-1, .bytes(n)), (-2, .bytes(e))]
        case .ed25519(let x): members += [(-1, .int(6)), (-2, .bytes(x))]
        }
        return CBOREncoding.head(major: 5, UInt64(members.count)) + members.flatMap { CBOREncoding.int($0.0).bytes + $0.1.bytes }
    }

    var kty: Int {
        switch self {
        case .es256: return 2
        case .rs256: return 3
        case .ed25519: return 1
        }
    }

    /// Whether `signature` signs `message` with this key.
    public func verify(_ signature: [UInt8], over message: [UInt8]) throws(WebAuthnError) -> Bool {
        do {
            switch self {
            case .es256(let x, let y): return try PublicKeySignature.verifyP256(x: x, y: y, message: message, signature: signature)
            case .rs256(let n, let e): return try PublicKeySignature.verifyRSA(modulus: n, exponent: e, message: message, signature: signature)
            case .ed25519(let key): return PublicKeySignature.verifyEd25519(publicKey: key, message: message, signature: signature)
            }
        } catch {
            throw .unsupported(error.description)
        }
    }
}

/// Just enough CBOR writing for a COSE key: integers and byte strings in
/// their shortest form.
enum CBOREncoding {
    case int(Int)
    case bytes([UInt8])

    var bytes: [UInt8] {
        switch self {
        case .int(let v): return v >= 0 ? Self.head(major: 0, UInt64(v)) : Self.head(major: 1, UInt64(-1 - v))
        case .bytes(let b): return Self.head(major: 2, UInt64(b.count)) + b
        }
    }

    static func head(major: UInt8, _ value: UInt64) -> [UInt8] {
        let m = major << 5
        switch value {
        case ..<24: return [m | UInt8(value)]
        case ..<0x100: return [m | 24, UInt8(value)]
        case ..<0x10000: return [m | 25] + (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 - 8 * $0)) }
        case ..<0x1_0000_0000: return [m | 26] + (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        default: return [m | 27] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
        }
    }
}
