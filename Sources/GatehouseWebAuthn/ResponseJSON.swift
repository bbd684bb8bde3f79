import GatehouseJSON

/// What both WebAuthn responses (registration, assertion) carry alike:
/// `type` public-key, the credential id as `rawId` (and `id`, the same if
/// given), and a `response` object with the client data.
enum ResponseJSON {
    static func credential(_ json: JSONValue) throws(WebAuthnError) -> (id: [UInt8], response: JSONValue, clientData: [UInt8]) {
        guard case .string("public-key")? = json["type"] else { throw .malformed("type is not public-key") }
        guard case .string(let rawID)? = json["rawId"], let id = Base64URL.decode(rawID), !id.isEmpty,
              id.count <= AuthenticatorData.maxCredentialIDLength else { throw .malformed("rawId") }
        if case .string(let shown)? = json["id"], Base64URL.decode(shown) != id { throw .malformed("id and rawId differ") }
        guard let response = json["response"], case .object = response, case .string(let cd)? = response["clientDataJSON"],
              let clientData = Base64URL.decode(cd) else { throw .malformed("response lacks clientDataJSON") }
        return (id, response, clientData)
    }
}
