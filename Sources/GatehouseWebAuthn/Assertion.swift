import GatehouseCrypto
import GatehouseJSON

/// An authentication response (`AuthenticationResponseJSON`, WebAuthn
/// Level 3), read, then checked (§7.2) against the stored credential the
/// caller found by its id.
public struct AssertionResponse: Sendable {
    package let credentialID: [UInt8]
    package let clientData: ClientData
    package let rawAuthenticatorData: [UInt8]
    package let authenticatorData: AuthenticatorData
    package let signature: [UInt8]
    /// The account's user handle, which a discoverable credential returns.
    package let userHandle: [UInt8]?

    public init(json: JSONValue) throws(WebAuthnError) {
        let (id, response, clientDataBytes) = try ResponseJSON.credential(json)
        guard case .string(let ad)? = response["authenticatorData"], let authData = Base64URL.decode(ad),
              case .string(let sig)? = response["signature"], let signature = Base64URL.decode(sig), !signature.isEmpty,
              signature.count <= 1024 else {
            throw .malformed("response lacks authenticatorData or signature")
        }
        switch response["userHandle"] {
        case nil, .null?: userHandle = nil
        case .string(let h)?:
            guard let handle = Base64URL.decode(h), handle.count <= 64 else { throw .malformed("userHandle") }
            userHandle = handle.isEmpty ? nil : handle
        default: throw .malformed("userHandle")
        }
        credentialID = id
        clientData = try ClientData(clientDataBytes)
        rawAuthenticatorData = authData
        authenticatorData = try AuthenticatorData(authData)
        self.signature = signature
    }

    public struct Verified: Equatable, Sendable {
        package let signCount: UInt32
        package let userVerified: Bool
    }

    /// §7.2 steps 11–22 but the challenge, the credential's ownership and
    /// the user handle, which the caller checks: type `webauthn.get`, an
    /// origin of this site's, the RP ID's hash, user presence, user
    /// verification when required, the signature over
    /// authenticatorData ‖ SHA-256(clientDataJSON) with the stored key,
    /// a backup eligibility (BE) unchanged since registration (§6.1.3: it
    /// is fixed for a credential's life, so a change means another
    /// authenticator or a forged one), and a signature counter that goes
    /// forward when either is non-zero.
    public func verify(publicKey: [UInt8], storedSignCount: UInt32, backupEligible: Bool, rp: RelyingParty,
                        requireUserVerification: Bool) throws(WebAuthnError) -> Verified {
        try clientData.check(type: "webauthn.get", rp: rp)
        let data = authenticatorData
        guard data.rpIDHash == rp.idHash else { throw .refused("rpIdHash is not this site's RP ID") }
        guard data.flags.contains(.up) else { throw .refused("user not present") }
        guard data.flags.contains(.uv) || !requireUserVerification else { throw .refused("user not verified") }
        guard data.credential == nil else { throw .malformed("attested credential data in an assertion") }
        guard data.flags.contains(.be) == backupEligible else { throw .refused("backup eligibility (BE) changed since registration") }
        let key = try COSEKey(publicKey)
        let signed = rawAuthenticatorData + PublicKeySignature.sha256(clientData.raw)
        guard try key.verify(signature, over: signed) else { throw .refused("signature") }
        if data.signCount != 0 || storedSignCount != 0, data.signCount <= storedSignCount {
            throw .counterWentBack(stored: storedSignCount, presented: data.signCount)
        }
        return Verified(signCount: data.signCount, userVerified: data.flags.contains(.uv))
    }
}
