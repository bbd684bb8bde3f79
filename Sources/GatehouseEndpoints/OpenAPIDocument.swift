import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// The JSON API as an OpenAPI 3.1 document, built from this site's
/// configuration (prefix, length limits, which purposes are on, whether an
/// unknown address is a 404) and from the same field rules the endpoints
/// validate with. Served by the `openapi` responder at
/// `<prefix>/openapi.json`.
package enum OpenAPIDocument {
    package static func make(site: Site, policy: AccountPolicy) -> JSONValue {
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Gatehouse",
                "version": "1",
                "description": .string(introduction),
            ],
            "servers": [["url": .string(site.prefix), "description": "This site's prefix, on the host serving this document."]],
            "paths": paths(site, policy),
            "components": [
                "schemas": c.schemas(),
                "responses": c.responses(site),
                "headers": c.headers(),
                "securitySchemes": c.securitySchemes(site),
            ],
        ]
    }

    static let introduction = """
        Account security for sites behind nginx, lighttpd or Apache: sign-in, password changes, one-time codes by e-mail. \
        Requests are JSON objects (application/json) or, for /token, a form (application/x-www-form-urlencoded); \
        unknown members are ignored. Every endpoint also serves browsers (a form post, or Accept: text/html): \
        those get HTML pages and 303 redirects instead of JSON. A method an endpoint does not serve is 405 with Allow. \
        Every answer carries Cache-Control: no-store and a Content-Length.
        """

    static let signedIn: JSONValue = [["bearer": []], ["password": []], ["session": []]]
    static let signedInOrNot: JSONValue = [[:], ["bearer": []], ["password": []], ["session": []]]

    static func paths(_ site: Site, _ policy: AccountPolicy) -> JSONValue {
        var purposes: [JSONValue] = ["", "verify", "reset"]
        if policy.codes.loginEnabled { purposes.append("login") }
        let purpose: JSONValue = [
            "type": "string", "enum": .array(purposes),
            "description": .string("What the code is for: verify (the default, also for an empty value) proves the address and, with a session, steps it up; reset gives a password-reset grant\(policy.codes.loginEnabled ? "; login signs in" : "")."),
        ]
        let paths: JSONValue = [
            "/token": ["get": page("signInForm", "The sign-in form", .signIn), "post": token(site)],
            "/logout": ["get": page("signOutForm", "The sign-out form", .signedIn), "post": logout()],
            "/me": ["get": me("getMe")],
            "/": ["get": me("getHome")],
            "/change-password": ["get": page("changePasswordForm", "The change-password form", .signedIn),
                                 "post": changePassword(site)],
            "/send-otp": ["get": page("sendCodeForm", "The form asking for a code"), "post": sendOTP(policy, purpose: purpose)],
            "/verify-otp": ["get": page("verifyCodeForm", "The form for entering a code"),
                            "post": verifyOTP(policy, purpose: withChangeEmail(purpose, signup: policy.signup != .closed))],
            "/mfa": ["get": mfaState(), "post": secondStep()],
            "/mfa/totp/setup": ["post": mfaAction("setupTOTP", "Begin enrolling an authenticator app",
                                                  "A new secret awaiting a code from the app (it replaces one awaiting before; a second factor in use stays until the new one is confirmed).",
                                                  ("200", c.response("The secret, as text and as an otpauth URI.", headers: ["Pragma"], [(c.json, c.schema("TOTPEnrolment"))])))],
            "/mfa/totp/confirm": ["post": mfaAction("confirmTOTP", "Confirm the enrolment with a code from the app",
                                                    "The secret becomes the account's; the code's time step cannot sign in too. Ten new recovery codes replace any earlier set. This session counts as having used the second factor.",
                                                    ("200", c.response("Enabled; the recovery codes, shown this once.", headers: ["Pragma"], [(c.json, c.schema("RecoveryCodes"))])),
                                                    body: code("The six-digit code the app shows."))],
            "/mfa/totp/disable": ["post": mfaAction("disableTOTP", "Remove the second factor",
                                                    "The secret and the recovery codes are removed; sign-in asks for the password alone again.",
                                                    ("200", c.response("Disabled.", [(c.json, c.schema("Message"))])))],
            "/mfa/recovery-codes": ["post": mfaAction("regenerateRecoveryCodes", "Replace the recovery codes",
                                                      "Ten new codes replace the whole earlier set.",
                                                      ("200", c.response("The new codes, shown this once.", headers: ["Pragma"], [(c.json, c.schema("RecoveryCodes"))])),
                                                      extra: [("409", c.either("`No second factor is enabled`.", "Detail"))])],
            "/reauth": ["get": page("reauthForm", "The re-authentication form", .signedIn), "post": reauth()],
            "/sessions": ["get": sessionsList()],
            "/sessions/revoke": ["post": sessionsRevoke()],
            "/openapi.json": ["get": [
                "operationId": "getOpenAPI", "summary": "This document", "security": [],
                "responses": ["200": OpenAPIComponents.response("This document.", [(OpenAPIComponents.json, ["type": "object"])])],
            ]],
        ]
        guard case .object(let members) = paths else { return paths }
        // Passkeys where the site has them (webauthn_rp_id).
        return .object(members + emailChangePaths() + lifecyclePaths(site, policy) + (policy.relyingParty != nil ? passkeyPaths() : []))
    }

    static func r(_ name: String) -> JSONValue { OpenAPIComponents.ref("responses", name) }

    /// verify-otp also takes change_email, from a session, and signup
    /// where the site has it.
    static func withChangeEmail(_ purpose: JSONValue, signup: Bool) -> JSONValue {
        guard case .array(let values)? = purpose["enum"], case .string(let text)? = purpose["description"] else { return purpose }
        return ["type": "string", "enum": .array(values + [.string(Accounts.changeEmailPurpose)] + (signup ? [.string(Accounts.signupPurpose)] : [])),
                "description": .string(text + " change_email (with a session, `email` the new address) makes a change of address asked for at POST /change-email." + (signup ? " signup makes the account POST /signup asked for, and signs it in (the answer carries its token); 409 if the address got an account meanwhile." : ""))]
    }

    static let c = OpenAPIComponents.self

    static func code(_ description: String) -> JSONValue {
        body(c.object([MFAEndpoint.codeRules], [.init("code", description)], description: "The code."), example: ["code": "123456"])
    }

    static func mfaState() -> JSONValue {
        [
            "operationId": "getSecondFactor", "summary": "The account's second factor (a browser gets its page, or the second step of a sign-in)",
            "security": signedIn,
            "responses": [
                "200": c.response("Whether an app is enrolled, and the recovery codes left.", [(c.json, c.schema("SecondFactorState")), (c.html, c.schema("Page"))]),
                "303": r("SignInFirst"), "401": r("Unauthorized"), "503": r("Unavailable"),
            ],
        ]
    }

    /// Each change of a factor needs the step-up window.
    static func mfaAction(_ id: String, _ summary: String, _ description: String, _ ok: (String, JSONValue),
                          body requestBody: JSONValue? = nil, extra: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("operationId", .string(id)), ("summary", .string(summary)),
            ("description", .string(description + " Needs the password (and the second factor, once enrolled) entered in this session within reauth_window: a fresh sign-in, or POST /reauth; else 403.")),
            ("security", signedIn),
        ]
        if let requestBody { members.append(("requestBody", requestBody)) }
        members.append(("responses", posted([
            ok, ("303", r("Redirect")), ("401", r("Unauthorized")),
            ("403", c.either("The step-up window has closed (reauthenticate first); a wrong code from the app; or (cookie) no CSRF token or another origin.", "Detail")),
        ] + extra)))
        return .object(members)
    }

    /// A browser's second step: the code form's post, with the ticket cookie
    /// the sign-in form set. Not for JSON clients (they send mfa_code to /token).
    static func secondStep() -> JSONValue {
        [
            "operationId": "secondStep", "summary": "The second step of a browser's sign-in (HTML form post)",
            "description": "With the second-step cookie a browser got from /token: the code from the app or a recovery code; a session cookie and a 303 on. Without the cookie: 401.",
            "security": [],
            "requestBody": code("The code from the authenticator app, or a recovery code."),
            "responses": posted([
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("A wrong code, or a post from another origin.", "Detail")),
                ("429", r("TooManyRequests")),
            ]),
        ]
    }

    static func sessionsList() -> JSONValue {
        [
            "operationId": "listSessions", "summary": "The account's live sessions, this one first (a browser gets its page)",
            "security": signedIn,
            "responses": [
                "200": c.response("The sessions.", [(c.json, c.schema("Sessions")), (c.html, c.schema("Page"))]),
                "303": r("SignInFirst"), "401": r("Unauthorized"), "503": r("Unavailable"),
            ],
        ]
    }

    static func sessionsRevoke() -> JSONValue {
        let schema: JSONValue = [
            "type": "object", "description": "One session by its listed id, or every other one.",
            "anyOf": [["required": ["id"]], ["required": ["others"], "properties": ["others": ["const": true]]]],
            "properties": [
                "id": ["type": "string", "maxLength": 64, "description": "From GET /sessions. This session's own id signs it out."],
                "others": ["type": "boolean", "description": "true: end every session of the account but this one."],
            ],
        ]
        return [
            "operationId": "revokeSessions", "summary": "End one session, or every other one",
            "description": "Ending any session but this one needs the password (and the second factor, once enrolled) entered in this session within reauth_window: a fresh sign-in, or POST /reauth; else 403.",
            "security": signedIn,
            "requestBody": body(schema, example: ["others": true]),
            "responses": posted([
                ("200", c.response("Ended.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("The step-up window has closed (reauthenticate first); or (cookie) no CSRF token or another origin.", "Detail")),
                ("404", c.either("`No such session`: not a live session of this account.", "Detail")),
            ]),
        ]
    }

    static func reauth() -> JSONValue {
        let schema = c.object([ReauthEndpoint.rules], [
            .init("password", "The account's password."),
            .init("mfa_code", "With a second factor enrolled: the code from the app, or a recovery code."),
            .init("rd", "Browser mode: where to go back to."),
        ], description: "The password again, and the second factor once enrolled.")
        return [
            "operationId": "reauthenticate",
            "summary": "Enter the password (and second factor) again: opens the step-up window",
            "description": "Counted like a sign-in (back-off, lock) before it is checked. Without mfa_code for an account with a second factor: 403.",
            "security": signedIn,
            "requestBody": body(schema, example: ["password": "correct horse battery staple", "mfa_code": "123456"]),
            "responses": posted([
                ("200", c.response("The window is open until reauth_expires.", [(c.json, c.schema("Reauthenticated"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("A wrong password or code; a second factor is required; the account is locked; or (cookie) no CSRF token or another origin.", "Detail")),
                ("429", r("TooManyRequests")),
            ]),
        ]
    }

    /// What every post can answer besides its own statuses.
    static func posted(_ own: [(String, JSONValue)], cutShort: JSONValue? = nil) -> JSONValue {
        .object(own + [
            ("400", cutShort ?? OpenAPIComponents.either("The client sent less than its Content-Length.", "Detail")),
            ("413", r("TooLarge")), ("415", r("UnsupportedMediaType")), ("422", r("Invalid")), ("503", r("Unavailable")),
        ].filter { key, _ in !own.contains { $0.0 == key } })
    }

    static func body(_ schema: JSONValue, form: Bool = false, example: JSONValue) -> JSONValue {
        var content: [(String, JSONValue)] = [(OpenAPIComponents.json, ["schema": schema, "example": example])]
        if form { content.insert(("application/x-www-form-urlencoded", ["schema": schema, "example": example]), at: 0) }
        return ["required": true, "content": .object(content)]
    }

    static func bearer(_ pointer: String) -> JSONValue { .string("Bearer {$response.body#/\(pointer)}") }

    static func token(_ site: Site) -> JSONValue {
        let c = OpenAPIComponents.self
        let request = c.object([TokenEndpoint.rules], [
            .init("grant_type", schema: ["type": "string", "const": "password", "description": "May be left out."]),
            .init("username", "The account's e-mail address."),
            .init("password", "The password."),
            .init("rd", "Browser mode: where to go after signing in (followed only when it is on this site or an allowed host)."),
            .init("mfa_code", "For an account with a second factor: the code from the authenticator app, or a recovery code. Left out, such an account answers 403 mfa_required (a browser gets the second-step page instead)."),
        ], description: "The token request; a form, or the same fields in JSON.")
        let withToken: [(String, JSONValue)] = [("header.Authorization", bearer("access_token"))]
        let links: JSONValue = [
            "me": ["operationId": "getMe", "parameters": .object(withToken), "description": "The new session's account."],
            "sendCode": ["operationId": "sendCode", "parameters": .object(withToken), "description": "A code to the account's own address."],
            "verifyCode": ["operationId": "verifyCode", "parameters": .object(withToken), "description": "Step the session up with that code."],
            "changePassword": ["operationId": "changePassword", "parameters": .object(withToken),
                               "requestBody": ["old_password": "$request.body#/password"],
                               "description": "Change the password just used."],
            "logout": ["operationId": "logout", "parameters": .object(withToken), "description": "End the new session."],
        ]
        return [
            "operationId": "signIn",
            "summary": "Sign in: the OAuth 2.0 password grant (RFC 6749 §4.3)",
            "description": "A wrong password and an unknown address get the same 400 invalid_grant, as does a locked account (its description says how to get back in). Repeated failures back off with 429.",
            "security": [],
            "requestBody": body(request, form: true,
                                example: ["grant_type": "password", "username": "alice@example.com", "password": "correct horse battery staple"]),
            "responses": posted([
                ("200", [
                    "description": "Signed in: a bearer token for a new session.",
                    "headers": c.headers(["Pragma"]),
                    "content": [c.json: ["schema": c.schema("Token")]],
                    "links": links,
                ]),
                ("303", r("Redirect")),
                ("400", [
                    "description": "RFC 6749 §5.2: invalid_request (a parameter missing or malformed), invalid_grant (wrong address or password, a locked account, or a wrong mfa_code: counted like a wrong password), unsupported_grant_type; these carry Pragma: no-cache. Or a body cut short (FastAPI's shape).",
                    "headers": ["Cache-Control": c.ref("headers", "Cache-Control"), "Pragma": c.optional("Pragma")],
                    "content": [c.json: ["schema": ["anyOf": [c.schema("OAuthError"), c.schema("Detail")]]], c.html: ["schema": c.schema("Page")]],
                ]),
                ("403", [
                    "description": "mfa_required: the password was right and the account has a second factor; send it as mfa_code. Browser mode: a form post from another origin.",
                    "headers": ["Cache-Control": c.ref("headers", "Cache-Control"), "Pragma": c.optional("Pragma")],
                    "content": [c.json: ["schema": ["anyOf": [c.schema("OAuthError"), c.schema("Detail")]]], c.html: ["schema": c.schema("Page")]],
                ]),
                ("429", r("TooManyRequests")),
            ]),
        ]
    }

    static func logout() -> JSONValue {
        [
            "operationId": "logout", "summary": "Sign out: revoke the session that makes the request",
            "security": signedIn,
            "responses": posted([
                ("200", OpenAPIComponents.response("The session is revoked (and a session cookie cleared).",
                                                   headers: ["Set-Cookie"], [(OpenAPIComponents.json, OpenAPIComponents.schema("Message"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", OpenAPIComponents.either("A cookie-authenticated post without its CSRF token, or from another origin.", "Detail")),
            ]),
        ]
    }

    static func me(_ id: String) -> JSONValue {
        let c = OpenAPIComponents.self
        return [
            "operationId": .string(id),
            "summary": .string(id == "getHome" ? "The account home: /me, as a browser's page" : "The signed-in account"),
            "security": signedIn,
            "responses": [
                "200": c.response("The account and this session (a browser gets the account home page).",
                                  [(c.json, c.schema("Me")), (c.html, c.schema("Page"))]),
                "303": r("SignInFirst"), "401": r("Unauthorized"), "503": r("Unavailable"),
            ],
        ]
    }

    /// Who may see a form, which decides its other answers.
    enum FormAccess { case signedIn, anyone, signIn }

    static func page(_ id: String, _ summary: String, _ access: FormAccess = .anyone) -> JSONValue {
        let c = OpenAPIComponents.self
        var responses: [(String, JSONValue)] = [("200", r("Page"))]
        switch access {
        case .signedIn:
            responses += [("303", r("SignInFirst")), ("401", r("Unauthorized"))]
        case .signIn:
            // Apache's ErrorDocument 401 shows this form in place of a refused page.
            responses += [("303", c.response("Under Apache's ErrorDocument 401, a visitor already signed in: on to the step-up.", headers: ["Location"])),
                          ("401", c.response("Under Apache's ErrorDocument 401: the form, in place of the refused page.", [(c.html, c.schema("Page"))]))]
        case .anyone:
            responses.append(("401", c.response("An `Authorization` header that does not authenticate.", headers: ["WWW-Authenticate"],
                                                [(c.json, c.schema("Detail")), (c.html, c.schema("Page"))])))
        }
        responses.append(("503", r("Unavailable")))
        return [
            "operationId": .string(id), "summary": .string(summary + " (HTML, for browsers)"),
            "security": access == .signedIn ? signedIn : signedInOrNot,
            "responses": .object(responses),
        ]
    }

    static func changePassword(_ site: Site) -> JSONValue {
        let c = OpenAPIComponents.self
        let schema = c.object([ChangePasswordEndpoint.rules(site, reset: false), ChangePasswordEndpoint.rules(site, reset: true)], [
            .init("old_password", "The current password: required with a session, left out with a reset grant."),
            .init("new_password", "The new password. Besides its length, the password policy refuses a common password, one in the breached-password corpus (where the site imported it and refuses them), one containing the address's local part, and the old one (422)."),
            .init("confirm_password", "The new password again; must equal new_password (else 400)."),
        ], description: "The passwords.")
        return [
            "operationId": "changePassword",
            "summary": "Change the password",
            "description": "Checked in this order: authentication (401); the fields (422); new equals confirm (400); the limits (429, or 403 when locked); the old password (403, counted as a failed sign-in before it is checked); the step-up, when the site asks for one (403); the password policy (422). On success every other session of the account ends, outstanding codes die, and a notice is mailed.",
            "security": signedIn,
            "requestBody": body(schema, example: ["old_password": "correct horse battery staple",
                                                  "new_password": "a longer phrase nobody guesses",
                                                  "confirm_password": "a longer phrase nobody guesses"]),
            "responses": posted([
                ("200", c.response("Changed.", [(c.json, c.schema("Message"))])),
                ("303", r("Redirect")), ("401", r("Unauthorized")),
                ("403", c.either("`Old password is incorrect`; the account is locked; a step-up is needed; or (cookie) no CSRF token or another origin.", "Detail")),
                ("409", c.either("Another change of this account won a race; nothing was written.", "Detail")),
                ("429", r("TooManyRequests")),
            ], cutShort: c.either("`Passwords do not match`, or the body was cut short.", "Detail")),
        ]
    }

    static func codeParameters(_ purpose: JSONValue) -> JSONValue {
        [
            ["name": "email", "in": "query", "required": false,
             "description": "The address, as the original took it; wins over the body's.",
             "schema": emailSchema],
            ["name": "purpose", "in": "query", "required": false, "schema": purpose],
        ]
    }

    static let emailSchema: JSONValue = ["type": "string", "format": "email", "maxLength": 320]

    static func sendOTP(_ policy: AccountPolicy, purpose: JSONValue) -> JSONValue {
        let c = OpenAPIComponents.self
        let schema = c.object([SendOTPEndpoint.rules], [.init("email", schema: emailSchema), .init("purpose", schema: purpose)],
                              description: "The address (a signed-in user may leave it out) and the purpose.")
        var own: [(String, JSONValue)] = [
            ("200", [
                "description": .string(policy.codes.unknownAddress404
                    ? "A code was sent."
                    : "A code was sent, if the address has an account: an unknown address gets the same answer."),
                "headers": c.headers(["Set-Cookie"]),
                "content": [c.json: ["schema": c.schema("Message")]],
                // No values carried over: the address may have come in the
                // query or the body, or from the session.
                "links": ["verifyCode": ["operationId": "verifyCode", "description": "Enter the code that was sent."]],
            ]),
            ("303", r("Redirect")), ("401", r("Unauthorized")),
            ("403", c.either("A browser post without a session from another site, or (cookie) without its CSRF token.", "Detail")),
            ("429", r("TooManyRequests")),
        ]
        if policy.codes.unknownAddress404 {
            own.append(("404", c.either("`User not found` (this site answers an unknown address so).", "Detail")))
        }
        return [
            "operationId": "sendCode",
            "summary": "E-mail a one-time code",
            "description": .string("\(policy.codes.length) digits, valid \(policy.codes.lifetime) seconds, once, for its account and purpose; a new code replaces the old one."),
            "security": signedInOrNot,
            "parameters": codeParameters(purpose),
            "requestBody": ["required": false, "content": [c.json: ["schema": schema,
                                                                    "example": ["email": "alice@example.com", "purpose": "reset"]]]],
            "responses": posted(own),
        ]
    }

    static func verifyOTP(_ policy: AccountPolicy, purpose: JSONValue) -> JSONValue {
        let c = OpenAPIComponents.self
        let schema = c.object([VerifyOTPEndpoint.rules], [
            .init("code", "The code that was e-mailed (\(policy.codes.length) digits); anything else is a wrong code."),
            .init("email", schema: emailSchema), .init("purpose", schema: purpose),
            .init("mfa_code", "purpose=login for an account with a second factor: its code (else 403 after the e-mailed code was spent)."),
            .init("password", "purpose=signup: the password given at POST /signup, again (else 422; a different one is answered as a wrong code, and the code is spent)."),
        ], description: "The code; the address when there is no session.")
        return [
            "operationId": "verifyCode",
            "summary": "Verify a one-time code",
            "description": .string("With a session: steps the session up (and a verify code marks the address verified). Without one, with `email`: verify marks the address verified, reset returns a password-reset grant\(policy.codes.loginEnabled ? ", login signs in" : ""). A code dies after \(policy.codes.maxTries) wrong guesses."),
            "security": signedInOrNot,
            "parameters": codeParameters(purpose),
            "requestBody": body(schema, example: ["email": "alice@example.com", "code": .string(String(repeating: "1", count: policy.codes.length)),
                                                  "purpose": "reset"]),
            "responses": posted([
                ("200", [
                    "description": "The code was right (and is used up). An answer with a grant or token carries Pragma: no-cache.",
                    "headers": ["Cache-Control": c.ref("headers", "Cache-Control"), "Pragma": c.optional("Pragma")],
                    "content": [c.json: ["schema": c.schema("CodeVerified")]],
                    "links": ["resetPassword": [
                        "operationId": "changePassword", "description": "Set a new password with the reset grant.",
                        "parameters": ["header.Authorization": bearer("reset_token")],
                    ]],
                ]),
                ("303", r("Redirect")),
                ("401", r("Unauthorized")),
                ("403", c.either("`Invalid OTP`: wrong, expired, used, or no code (one answer for all); for purpose=login, a second factor missing or wrong; for purpose=change_email, the step-up window closed or no `email`; or a browser post from another site.", "Detail")),
                ("409", c.either("`This address belongs to another account`: purpose=change_email, and the new address was taken meanwhile.", "Detail")),
                ("429", r("TooManyRequests")),
            ]),
        ]
    }
}
