import GatehouseJSON

/// A registration response (`RegistrationResponseJSON`, WebAuthn Level 3)
/// read and checked (§7.1). Attestation is not trusted: this site asks for
/// `none`, and any other known format is parsed only as far as to see it
/// is one (a statement that is a map), then treated as none.
public struct RegistrationResponse: Sendable {
    package let credentialID: [UInt8]
    package let clientData: ClientData
    package let authenticatorData: AuthenticatorData
    package let format: String
    package let transports: [String]

    package static let formats: Set = ["none", "packed", "fido-u2f", "tpm", "android-key", "android-safetynet", "apple"]

    public init(json: JSONValue) throws(WebAuthnError) {
        let (id, response, clientDataBytes) = try ResponseJSON.credential(json)
        guard case .string(let ao)? = response["attestationObject"], let attestation = Base64URL.decode(ao) else {
            throw .malformed("response lacks attestationObject")
        }
        credentialID = id
        clientData = try ClientData(clientDataBytes)
        let object = try CBOR.decode(attestation)
        guard case .text(let fmt)? = object[text: "fmt"], case .map(let statement)? = object[text: "attStmt"],
              case .bytes(let authData)? = object[text: "authData"] else { throw .malformed("attestationObject lacks fmt, attStmt or authData") }
        guard Self.formats.contains(fmt) else { throw .unsupported("attestation format \(fmt)") }
        guard fmt != "none" || statement.isEmpty else { throw .malformed("attestation none with a statement") }
        format = fmt
        authenticatorData = try AuthenticatorData(authData)
        if case .array(let list)? = response["transports"] {
            transports = list.compactMap { if case .string(let t) = $0, t.utf8.count <= 32 { return t } else { return nil } }.prefix(8).map { $0 }
        } else {
            transports = []
        }
    }

    /// What a checked registration yields for storing.
    public struct Credential: Equatable, Sendable {
        package let id: [UInt8]
        /// The COSE key, re-encoded with nothing but its own members (`COSEKey.encoded`).
        package let publicKey: [UInt8]
        package let algorithm: Int
        package let signCount: UInt32
        package let userVerified: Bool
        package let backupEligible: Bool
        package let transports: [String]
    }

    /// §7.1 steps 7–26 but the challenge, which the caller checks against
    /// what it issued (`clientData.challenge`): type `webauthn.create`, an
    /// origin of this site's, the RP ID's hash, user presence, user
    /// verification when `requireUserVerification`, a credential for the
    /// id the client named, with a key of an algorithm this site takes.
    public func verify(rp: RelyingParty, requireUserVerification: Bool) throws(WebAuthnError) -> Credential {
        try clientData.check(type: "webauthn.create", rp: rp)
        let data = authenticatorData
        guard data.rpIDHash == rp.idHash else { throw .refused("rpIdHash is not this site's RP ID") }
        guard data.flags.contains(.up) else { throw .refused("user not present") }
        guard data.flags.contains(.uv) || !requireUserVerification else { throw .refused("user not verified") }
        guard let credential = data.credential else { throw .malformed("no attested credential data") }
        guard credential.id == credentialID else { throw .refused("the credential id is not the one the client named") }
        let key = try COSEKey(credential.publicKey)
        return Credential(id: credential.id, publicKey: key.encoded, algorithm: key.algorithm, signCount: data.signCount,
                          userVerified: data.flags.contains(.uv), backupEligible: data.flags.contains(.be), transports: transports)
    }
}
