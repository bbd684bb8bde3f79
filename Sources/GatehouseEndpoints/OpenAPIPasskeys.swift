import GatehouseJSON

/// The passkeys' part of the OpenAPI document: their paths, in WebAuthn's
/// own JSON encodings (Level 3), which any WebAuthn client library reads
/// and writes.
extension OpenAPIDocument {
    static let passkeyName: JSONValue = ["type": "string", "maxLength": 64, "pattern": "^[^\\x00-\\x1F\\x7F-\\x9F]*$",
                                         "description": "Up to 64 characters, no control characters; empty: Passkey."]

    static func passkeyPaths() -> [(String, JSONValue)] {
        [
            ("/passkeys", ["get": [
                "operationId": "listPasskeys", "summary": "The account's passkeys (a browser gets its page)",
                "security": signedIn,
                "responses": [
                    "200": c.response("The passkeys.", [(c.json, c.schema("Passkeys")), (c.html, c.schema("Page"))]),
                    "303": r("SignInFirst"), "401": r("Unauthorized"), "503": r("Unavailable"),
                ],
            ]]),
            ("/passkeys/register/options", ["post": [
                "operationId": "passkeyRegistrationOptions", "summary": "Options for a new passkey (PublicKeyCredentialCreationOptionsJSON)",
                "description": "Needs the password (and the second factor, once enrolled) entered in this session within reauth_window. The challenge is bound to this session and lasts five minutes.",
                "security": signedIn,
                "responses": posted([
                    ("200", c.response("Pass them to navigator.credentials.create (PublicKeyCredential.parseCreationOptionsFromJSON).",
                                       headers: ["Pragma"], [(c.json, c.schema("PublicKeyCredentialCreationOptionsJSON"))])),
                    ("401", r("Unauthorized")),
                    ("403", c.either("The step-up window has closed (reauthenticate first).", "Detail")),
                    ("404", c.either("`Passkeys are not enabled on this site`.", "Detail")),
                    ("409", c.either("`No more passkeys can be added: remove one first` (ten at most).", "Detail")),
                ]),
            ]]),
            ("/passkeys/register", ["post": [
                "operationId": "registerPasskey", "summary": "Register a passkey (RegistrationResponseJSON)",
                "description": "The response to options from /passkeys/register/options, with an optional name. Attestation is not trusted. The owner is mailed. (The passkeys page posts the same as a form: the response as JSON text in the field credential, and name.)",
                "security": signedIn,
                "requestBody": ["required": true, "content": [c.json: ["schema": c.schema("PasskeyRegistration")]]],
                "responses": posted([
                    ("200", c.response("Registered.", [(c.json, c.schema("PasskeyAdded"))])),
                    ("303", r("Redirect")), ("401", r("Unauthorized")),
                    ("400", c.either("`The passkey was not accepted` (a check failed; the reason is audited), or a body that is no response.", "Detail")),
                    ("403", c.either("The step-up window has closed; or (cookie) no CSRF token or another origin.", "Detail")),
                    ("404", c.either("`Passkeys are not enabled on this site`.", "Detail")),
                    ("409", c.either("`This passkey is registered already` (to this or another account), or ten are registered.", "Detail")),
                ]),
            ]]),
            ("/passkeys/login/options", ["post": [
                "operationId": "passkeyLoginOptions", "summary": "Options for signing in with a passkey (PublicKeyCredentialRequestOptionsJSON)",
                "description": "A discoverable credential: no credentials listed, user verification required. Nothing is stored until a response to it is honoured.",
                "security": [],
                "responses": posted([
                    ("200", c.response("Pass them to navigator.credentials.get (PublicKeyCredential.parseRequestOptionsFromJSON).",
                                       headers: ["Pragma"], [(c.json, c.schema("PublicKeyCredentialRequestOptionsJSON"))])),
                    ("404", c.either("`Passkeys are not enabled on this site`.", "Detail")),
                ]),
            ]]),
            ("/passkeys/login", ["post": [
                "operationId": "signInWithPasskey", "summary": "Sign in with a passkey (AuthenticationResponseJSON): the same answer as /token",
                "description": "The challenge is spent when the response is honoured: a replay fails. The session's factor is passkey (it satisfies verify's mfa and passkey). Each try counts in the client's hourly sign-in budget. (The sign-in page posts the same as a form: the response as JSON text in the field credential; the session comes as a cookie and a 303.)",
                "security": [],
                "requestBody": ["required": true, "content": [c.json: ["schema": c.schema("AuthenticationResponseJSON")]]],
                "responses": posted([
                    ("200", c.response("Signed in: a bearer token for a new session.", headers: ["Pragma"], [(c.json, c.schema("Token"))])),
                    ("303", r("Redirect")),
                    ("400", c.either("invalid_grant `The passkey was not accepted`, or a body that is no response.", "OAuthError")),
                    ("403", c.either("Browser mode: a form post from another origin.", "Detail")),
                    ("404", c.either("`Passkeys are not enabled on this site`.", "Detail")),
                    ("429", r("TooManyRequests")),
                ]),
            ]]),
            ("/passkeys/remove", ["post": passkeyChange("removePasskey", "Remove a passkey",
                                                         "Needs the step-up window (reauth_window). The owner is mailed.", rename: false)]),
            ("/passkeys/rename", ["post": passkeyChange("renamePasskey", "Rename a passkey", "A signed-in session is enough.", rename: true)]),
        ]
    }

    static func passkeyChange(_ id: String, _ summary: String, _ description: String, rename: Bool) -> JSONValue {
        let rules = rename ? [PasskeysEndpoint.idRule, PasskeysEndpoint.nameRule] : [PasskeysEndpoint.idRule]
        let schema = c.object([rules], [.init("id", "The passkey's id, from GET /passkeys.")]
                                + (rename ? [.init("name", schema: passkeyName)] : []),
                              description: "Which passkey.")
        return [
            "operationId": .string(id), "summary": .string(summary), "description": .string(description),
            "security": signedIn,
            "requestBody": body(schema, example: rename ? ["id": "AbCd", "name": "Phone"] : ["id": "AbCd"]),
            "responses": posted([
                ("200", c.response("Done.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("The step-up window has closed; or (cookie) no CSRF token or another origin.", "Detail")),
                ("404", c.either("`No such passkey`, or passkeys are not enabled.", "Detail")),
            ]),
        ]
    }
}

extension OpenAPIComponents {
    static func passkeySchemas() -> [(String, JSONValue)] {
        let b64: JSONValue = ["type": "string", "pattern": "^[A-Za-z0-9_-]*={0,2}$", "description": "base64url"]
        let descriptor: JSONValue = ["type": "object", "required": ["type", "id"],
                                     "properties": ["type": ["type": "string", "const": "public-key"], "id": b64]]
        let passkey: JSONValue = [
            "type": "object", "required": ["id", "name", "created", "last_used", "synced"],
            "properties": [
                "id": b64, "name": ["type": "string"], "created": ["type": "string", "format": "date-time"],
                "last_used": ["type": ["string", "null"], "format": "date-time"],
                "synced": ["type": "boolean", "description": "Backup eligible: a passkey synced between devices."],
            ],
        ]
        return [
            ("Passkey", passkey),
            ("Passkeys", ["type": "object", "required": ["passkeys"], "properties": ["passkeys": ["type": "array", "items": schema("Passkey")]]]),
            ("PasskeyAdded", ["type": "object", "required": ["msg", "passkey"],
                              "properties": ["msg": ["type": "string"], "passkey": schema("Passkey")]]),
            ("PublicKeyCredentialCreationOptionsJSON", [
                "type": "object", "required": ["rp", "user", "challenge", "pubKeyCredParams", "timeout", "excludeCredentials",
                                               "authenticatorSelection", "attestation"],
                "properties": [
                    "rp": ["type": "object", "required": ["id", "name"], "properties": ["id": ["type": "string"], "name": ["type": "string"]]],
                    "user": ["type": "object", "required": ["id", "name", "displayName"],
                             "properties": ["id": b64, "name": ["type": "string"], "displayName": ["type": "string"]],
                             "description": "id: the account's random user handle (32 bytes), never its address."],
                    "challenge": b64,
                    "pubKeyCredParams": ["type": "array", "items": ["type": "object", "required": ["type", "alg"],
                                                                     "properties": ["type": ["type": "string", "const": "public-key"],
                                                                                    "alg": ["type": "integer", "enum": [-7, -8, -257]]]]],
                    "timeout": ["type": "integer"],
                    "excludeCredentials": ["type": "array", "items": descriptor],
                    "authenticatorSelection": ["type": "object"],
                    "attestation": ["type": "string", "const": "none"],
                ],
            ]),
            ("PublicKeyCredentialRequestOptionsJSON", [
                "type": "object", "required": ["challenge", "timeout", "rpId", "allowCredentials", "userVerification"],
                "properties": ["challenge": b64, "timeout": ["type": "integer"], "rpId": ["type": "string"],
                               "allowCredentials": ["type": "array", "items": descriptor],
                               "userVerification": ["type": "string", "enum": ["required", "preferred"]]],
            ]),
            ("PasskeyRegistration", [
                "type": "object", "required": ["id", "rawId", "type", "response"],
                "description": "RegistrationResponseJSON, and optionally the passkey's name.",
                "properties": [
                    "id": b64, "rawId": b64, "type": ["type": "string", "const": "public-key"],
                    "response": ["type": "object", "required": ["clientDataJSON", "attestationObject"],
                                 "properties": ["clientDataJSON": b64, "attestationObject": b64,
                                                "transports": ["type": "array", "items": ["type": "string"]]]],
                    "name": OpenAPIDocument.passkeyName,
                ],
            ]),
            ("AuthenticationResponseJSON", [
                "type": "object", "required": ["id", "rawId", "type", "response"],
                "properties": [
                    "id": b64, "rawId": b64, "type": ["type": "string", "const": "public-key"],
                    "response": ["type": "object", "required": ["clientDataJSON", "authenticatorData", "signature"],
                                 "properties": ["clientDataJSON": b64, "authenticatorData": b64, "signature": b64,
                                                "userHandle": ["type": ["string", "null"]]]],
                ],
            ]),
        ]
    }
}
