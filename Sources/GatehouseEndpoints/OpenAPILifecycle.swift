import GatehouseCore
import GatehouseJSON

/// Signing up (`/signup`, where the site has it), leaving
/// (`/delete-account`, its `/restore`), the person's export (`/export`)
/// and "this wasn't me" after a new device's sign-in
/// (`/sessions/not-me`) in the OpenAPI document. A sign-up's code is verify-otp's, with
/// `purpose=signup`.
extension OpenAPIDocument {
    static func lifecyclePaths(_ site: Site, _ policy: AccountPolicy) -> [(String, JSONValue)] {
        var paths: [(String, JSONValue)] = []
        if policy.signup != .closed {
            paths.append(("/signup", ["get": page("signupForm", "The sign-up form"), "post": signup(site, policy)]))
        }
        return paths + [
            ("/delete-account", ["get": page("deleteAccountForm", "The form for leaving", .signedIn), "post": deleteAccount()]),
            ("/delete-account/restore", ["get": page("restoreAccountForm", "The form for the restore code"), "post": restoreAccount()]),
            ("/export", ["get": exportAccount()]),
            ("/sessions/not-me", ["get": page("notMeForm", "The form for the code from a new device's sign-in mail"), "post": notMe()]),
        ]
    }

    static func notMe() -> JSONValue {
        let schema = c.object([MailedCodeForm.rules], [
            .init("token", "The code from the mail about a sign-in from a new device (spaces are ignored)."),
        ], description: "The code.")
        return [
            "operationId": "notMe", "summary": "End a new device's session and reset the password",
            "description": "Within seven days of the mail, once: the session the new device opened ends (if it has not), and the answer is a password-reset grant, as verify-otp's for purpose=reset, since whoever signed in knew the password.",
            "security": [],
            "requestBody": body(schema, example: ["token": "aGVsbG8"]),
            "responses": posted([
                ("200", [
                    "description": "That session ended; a reset grant for change-password.",
                    "headers": ["Cache-Control": c.ref("headers", "Cache-Control"), "Pragma": c.optional("Pragma")],
                    "content": [c.json: ["schema": c.schema("NotMe")]],
                ]),
                ("303", r("Redirect")),
                ("401", c.response("An `Authorization` header that does not authenticate.", headers: ["WWW-Authenticate"],
                                   [(c.json, c.schema("Detail"))])),
                ("403", c.either("`Invalid OTP`: not a code of this site's, expired or used (one answer for all); the account is being deleted; or a browser post from another site.", "Detail")),
            ]),
        ]
    }

    static func signup(_ site: Site, _ policy: AccountPolicy) -> JSONValue {
        var members: [OpenAPIComponents.Property] = [
            .init("email", schema: emailSchema),
            .init("password", "The password to sign in with. Besides its length, the password policy refuses a common password, one in the breached-password corpus (where the site imported it and refuses them) and one containing the address's local part (422)."),
            .init("confirm_password", "When given (the form does), it must equal `password` (else 400)."),
        ]
        if policy.signup == .invitation {
            members.append(.init("invitation", "From the invitation's link (gatehousectl invite); good for the address it was sent to only."))
        }
        let schema = c.object([SignupEndpoint.rules(site)], members, description: "The new account's address and password.")
        return [
            "operationId": "signup", "summary": "Sign up: a code is mailed to the address",
            "description": .string("The same answer, after the same work, whether or not the address has an account: a new address is mailed a code, a taken one a note to its owner (and no code). The account is made when the code is verified at POST /verify-otp with `purpose=signup`, which answers with a session. Counted in the limits of codes sent without a session.\(policy.signup == .invitation ? " This site signs up by invitation only: 403 without a valid invitation for the address." : "")"),
            "security": [],
            "requestBody": body(schema, form: true, example: ["email": "alice@example.org", "password": "correct horse battery staple"]),
            "responses": posted([
                ("200", c.response("A mail is on its way to the address.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")),
                ("403", c.either("No valid invitation for the address (signup_enabled = invitation); or a browser post from another site.", "Detail")),
                ("429", r("TooManyRequests")),
            ], cutShort: c.either("`Passwords do not match`, or the client sent less than its Content-Length.", "Detail")),
        ]
    }

    static func deleteAccount() -> JSONValue {
        [
            "operationId": "deleteAccount", "summary": "Leave: every session ends, the account goes after the grace",
            "description": "Every session and grant of the account ends at once and it signs in nowhere; after deletion_grace, gatehousectl gc deletes it and everything kept about it. The mail sent now has a code that restores it before then (POST /delete-account/restore). Needs the password (and the second factor, once enrolled) entered in this session within reauth_window: a fresh sign-in, or POST /reauth; else 403.",
            "security": signedIn,
            "responses": posted([
                ("200", c.response("Deletion is scheduled.", [(c.json, c.schema("DeletionScheduled"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("The step-up window has closed (reauthenticate first); or (cookie) no CSRF token or another origin.", "Detail")),
            ]),
        ]
    }

    static func restoreAccount() -> JSONValue {
        let schema = c.object([MailedCodeForm.rules], [
            .init("token", "The restore code from the mail sent when deletion was asked for (spaces are ignored)."),
        ], description: "The restore code.")
        return [
            "operationId": "restoreAccount", "summary": "Stop the deletion of an account",
            "description": "Within deletion_grace, once: the account as it was; its sessions stay ended, and it signs in as before.",
            "security": [],
            "requestBody": body(schema, example: ["token": "aGVsbG8"]),
            "responses": posted([
                ("200", c.response("Restored.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")),
                ("401", c.response("An `Authorization` header that does not authenticate.", headers: ["WWW-Authenticate"],
                                   [(c.json, c.schema("Detail"))])),
                ("403", c.either("`Invalid OTP`: not a code of this site's, the grace over, or used (one answer for all); or a browser post from another site.", "Detail")),
            ]),
        ]
    }

    static func exportAccount() -> JSONValue {
        [
            "operationId": "exportAccount", "summary": "The account's data as a JSON download",
            "description": .string("The account, its factors (never a secret or a hash), its sessions and the newest \(Accounts.exportAuditLines) audit lines about its address. At most \(Accounts.exportsPerHour) an hour per account. Needs the step-up window like POST /delete-account."),
            "security": signedIn,
            "responses": [
                "200": c.response("The export, as an attachment.", headers: ["Content-Disposition"], [(c.json, c.schema("AccountExport"))]),
                "303": r("Redirect"), "401": r("Unauthorized"),
                "403": c.either("The step-up window has closed (reauthenticate first).", "Detail"),
                "429": r("TooManyRequests"), "503": r("Unavailable"),
            ],
        ]
    }

    static let lifecycleSchemas: [(String, JSONValue)] = [
        ("DeletionScheduled", [
            "type": "object", "required": ["msg", "delete_after"],
            "properties": [
                "msg": ["type": "string", "const": "The account will be deleted; every session has ended"],
                "delete_after": ["type": "string", "format": "date-time", "description": "When gc may delete it for good."],
            ],
        ]),
        ("NotMe", [
            "type": "object", "required": ["msg", "reset_token", "expires_in"],
            "properties": [
                "msg": ["type": "string", "const": "That session ended; set a new password"],
                "reset_token": ["type": "string", "description": "Present it to change-password as `Authorization: Bearer`, without `old_password`; good once, for nothing else."],
                "expires_in": ["type": "integer", "minimum": 1],
            ],
        ]),
        ("AccountExport", [
            "type": "object", "required": ["exported_at", "account", "factors", "sessions", "audit"],
            "properties": [
                "exported_at": ["type": "string", "format": "date-time"],
                "account": ["type": "object", "required": ["email", "email_verified", "created", "password_changed", "locked"]],
                "factors": ["type": "object", "required": ["authenticator_app", "recovery_codes_left", "passkeys"]],
                "sessions": ["type": "array", "items": ["type": "object"]],
                "audit": ["type": "array", "items": ["type": "object"], "description": "The audit log's lines about the account's address, oldest first."],
            ],
        ]),
    ]
}
