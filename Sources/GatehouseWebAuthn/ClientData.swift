import GatehouseCrypto
import GatehouseJSON
import GatehouseSystem

/// The relying party as this site's configuration names it: its RP ID (a
/// domain, never an IP address) and the exact origins its pages are
/// served from. Never taken from a request's Host header.
public struct RelyingParty: Equatable, Sendable {
    package let id: String
    package let origins: [String]

    public init(id: String, origins: [String]) {
        self.id = id
        self.origins = origins
    }

    package var idHash: [UInt8] { PublicKeySignature.sha256(Array(id.utf8)) }
}

/// clientDataJSON (WebAuthn §5.8.1), as the browser serialised it: its
/// bytes are what the signature covers (through their hash), its fields
/// what the ceremony checks.
public struct ClientData: Equatable, Sendable {
    package let raw: [UInt8]
    package let type: String
    package let challenge: [UInt8]
    package let origin: String
    package let crossOrigin: Bool
    package let topOrigin: String?

    public init(_ raw: [UInt8]) throws(WebAuthnError) {
        self.raw = raw
        let json: JSONValue
        do {
            json = try JSONParser.parse(raw)
        } catch {
            throw .malformed("clientDataJSON is not JSON")
        }
        guard case .string(let type)? = json["type"], case .string(let challenge)? = json["challenge"],
              case .string(let origin)? = json["origin"] else { throw .malformed("clientDataJSON lacks type, challenge or origin") }
        guard let bytes = Base64URL.decode(challenge) else { throw .malformed("clientDataJSON challenge is not base64url") }
        self.type = type
        self.challenge = bytes
        self.origin = origin
        switch json["crossOrigin"] {
        case nil, .null?: crossOrigin = false
        case .bool(let b)?: crossOrigin = b
        default: throw .malformed("clientDataJSON crossOrigin is not a boolean")
        }
        switch json["topOrigin"] {
        case nil, .null?: topOrigin = nil
        case .string(let s)?: topOrigin = s
        default: throw .malformed("clientDataJSON topOrigin is not a string")
        }
    }

    /// §7.1 steps 7–9, §7.2 steps 11–13: the ceremony's type, an origin
    /// of this site's (exactly), not from a frame of another site.
    public func check(type expected: String, rp: RelyingParty) throws(WebAuthnError) {
        guard type == expected else { throw .refused("clientData type \(type), not \(expected)") }
        guard rp.origins.contains(origin) else { throw .refused("origin \(origin) is not one of this site's") }
        guard !crossOrigin, topOrigin == nil else { throw .refused("a ceremony inside another site's frame") }
    }
}

/// Base64url as WebAuthn's JSON encodings carry it: unpadded, though a
/// padded value is read too.
package enum Base64URL {
    package static func decode(_ text: String) -> [UInt8]? {
        var t = Substring(text)
        while t.hasSuffix("=") { t = t.dropLast() }
        return Base64.decodeURL(String(t))
    }

    package static func encode(_ bytes: [UInt8]) -> String { Base64.url(bytes) }
}
