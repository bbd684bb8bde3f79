/// Authenticator data (WebAuthn §6.1): the RP ID's hash, the flags, the
/// signature counter, then, when the AT flag says so, the new credential
/// (AAGUID, id, COSE key) and, when ED says so, extensions. Every byte must
/// be accounted for. Pure.
public struct AuthenticatorData: Equatable, Sendable {
    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// User present.
        package static let up = Flags(rawValue: 0x01)
        /// User verified (PIN, biometrics).
        package static let uv = Flags(rawValue: 0x04)
        /// Backup eligible, backed up (a synced passkey).
        package static let be = Flags(rawValue: 0x08)
        package static let bs = Flags(rawValue: 0x10)
        /// Attested credential data follows.
        package static let at = Flags(rawValue: 0x40)
        /// Extensions follow.
        package static let ed = Flags(rawValue: 0x80)
    }

    public struct AttestedCredential: Equatable, Sendable {
        package let aaguid: [UInt8]
        package let id: [UInt8]
        /// The COSE key as the authenticator sent it, kept as received.
        package let publicKey: [UInt8]
    }

    package let rpIDHash: [UInt8]
    package let flags: Flags
    package let signCount: UInt32
    package let credential: AttestedCredential?

    /// WebAuthn caps credential ids at 1023 bytes.
    package static let maxCredentialIDLength = 1023

    public init(_ bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count >= 37 else { throw .malformed("authenticator data shorter than 37 bytes") }
        rpIDHash = Array(bytes[0..<32])
        flags = Flags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        // §6.1: a credential that cannot be backed up cannot be backed up now.
        guard !flags.contains(.bs) || flags.contains(.be) else { throw .malformed("backed up (BS) without backup eligibility (BE)") }
        var at = 37
        if flags.contains(.at) {
            guard bytes.count >= at + 18 else { throw .malformed("attested credential data cut short") }
            let aaguid = Array(bytes[at..<at + 16])
            let idLength = Int(bytes[at + 16]) << 8 | Int(bytes[at + 17])
            at += 18
            guard idLength > 0, idLength <= Self.maxCredentialIDLength, bytes.count >= at + idLength else {
                throw .malformed("credential id length")
            }
            let id = Array(bytes[at..<at + idLength])
            at += idLength
            let (_, used) = try CBOR.read(bytes[at...])
            credential = AttestedCredential(aaguid: aaguid, id: id, publicKey: Array(bytes[at..<at + used]))
            at += used
        } else {
            credential = nil
        }
        if flags.contains(.ed) {
            let (extensions, used) = try CBOR.read(bytes[at...])
            guard case .map = extensions else { throw .malformed("extensions are not a map") }
            at += used
        }
        guard at == bytes.count else { throw .malformed("bytes after the authenticator data") }
    }
}
