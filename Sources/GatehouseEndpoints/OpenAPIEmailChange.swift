import GatehouseCore
import GatehouseJSON

/// A new address (`/change-email`) and the old address's undo
/// (`/change-email/undo`) in the OpenAPI document; the change itself is
/// verify-otp's, with `purpose=change_email`.
extension OpenAPIDocument {
    static func emailChangePaths() -> [(String, JSONValue)] {
        [
            ("/change-email", ["get": page("changeEmailForm", "The form asking for a new address", .signedIn), "post": requestEmailChange()]),
            ("/change-email/undo", ["get": page("undoEmailChangeForm", "The form for the old address's undo token"),
                                    "post": undoEmailChange()]),
        ]
    }

    static func requestEmailChange() -> JSONValue {
        let schema = c.object([ChangeEmailEndpoint.requestRules], [.init("new_email", schema: emailSchema)],
                              description: "The new address.")
        return [
            "operationId": "requestEmailChange", "summary": "Ask for a new address: a code is mailed to it",
            "description": "The same answer whether or not the new address has an account (one that has gets no code, so the change can never be made). The code is then verified at POST /verify-otp with `email` the new address and `purpose=change_email`, from a session of this account. Needs the password (and the second factor, once enrolled) entered in this session within reauth_window: a fresh sign-in, or POST /reauth; else 403.",
            "security": signedIn,
            "requestBody": body(schema, example: ["new_email": "alice@example.net"]),
            "responses": posted([
                ("200", c.response("A code is on its way to the new address.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("The step-up window has closed (reauthenticate first); or (cookie) no CSRF token or another origin.", "Detail")),
                ("429", r("TooManyRequests")),
            ]),
        ]
    }

    static func undoEmailChange() -> JSONValue {
        let schema = c.object([MailedCodeForm.rules], [
            .init("token", "The undo code from the mail the old address got (spaces are ignored)."),
        ], description: "The undo token.")
        return [
            "operationId": "undoEmailChange", "summary": "Give the account its old address back",
            "description": "Within seven days of a change of address, once, with the code the first old address of those days was mailed: that address back, every session ended, the authenticator app, recovery codes and passkeys removed, the password made unusable; the answer is a password-reset grant, as verify-otp's for purpose=reset.",
            "security": [],
            "requestBody": body(schema, example: ["token": "aGVsbG8"]),
            "responses": posted([
                ("200", [
                    "description": "Undone; a reset grant for change-password.",
                    "headers": ["Cache-Control": c.ref("headers", "Cache-Control"), "Pragma": c.optional("Pragma")],
                    "content": [c.json: ["schema": c.schema("ChangeUndone")]],
                ]),
                ("303", r("Redirect")),
                ("401", c.response("An `Authorization` header that does not authenticate.", headers: ["WWW-Authenticate"],
                                   [(c.json, c.schema("Detail"))])),
                ("403", c.either("`Invalid OTP`: not a token of this site's, expired or used (one answer for all); or a browser post from another site.", "Detail")),
                ("409", c.either("`This address belongs to another account`: the old address was taken meanwhile.", "Detail")),
            ]),
        ]
    }
}
