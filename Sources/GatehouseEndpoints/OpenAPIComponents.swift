import GatehouseHTTP
import GatehouseJSON

/// The reusable parts of the OpenAPI description: bodies, headers,
/// responses and the ways to authenticate, each written once and named.
enum OpenAPIComponents {
    static func ref(_ kind: String, _ name: String) -> JSONValue { ["$ref": .string("#/components/\(kind)/\(name)")] }
    static func schema(_ name: String) -> JSONValue { ref("schemas", name) }

    /// A field's schema from the same rule the endpoint validates it with,
    /// so the description cannot drift from the check.
    static func field(_ rule: FieldRule, _ description: String) -> JSONValue {
        // An optional member may be null, which counts as absent (pydantic's Optional).
        var members: [(String, JSONValue)] = [("type", rule.required ? "string" : ["string", "null"])]
        if let min = rule.minLength { members.append(("minLength", .int(min))) }
        members.append(("maxLength", .int(rule.maxLength)))
        // No field may hold a NUL (a 422); JSON Schema says it with a pattern.
        members.append(("pattern", "^[^\\u0000]*$"))
        if rule.secret { members += [("format", "password"), ("writeOnly", true)] }
        members.append(("description", .string(description)))
        return .object(members)
    }

    /// One property of a request object: the endpoint's rule for it, found
    /// by name, with its description, or a schema of its own where the
    /// rule's length limits are not the whole story.
    struct Property {
        let name: String
        let description: String
        let schema: JSONValue?
        init(_ name: String, _ description: String = "", schema: JSONValue? = nil) {
            self.name = name
            self.description = description
            self.schema = schema
        }
    }

    /// An object of these properties. Required: what every variant of the
    /// endpoint's rules requires in the body (change-password with a session
    /// wants old_password, with a reset grant not). Unknown members are
    /// ignored, as pydantic ignored them.
    static func object(_ variants: [[FieldRule]], _ properties: [Property], description: String) -> JSONValue {
        let rules = variants[0]
        let members: [(String, JSONValue)] = properties.map { p in
            guard let rule = rules.first(where: { $0.name == p.name }) else { preconditionFailure("no rule for \(p.name)") }
            return (p.name, p.schema ?? field(rule, p.description))
        }
        let required = rules.map(\.name).filter { name in
            variants.allSatisfy { $0.contains { $0.name == name && $0.required && $0.source == .body } }
        }
        var object: [(String, JSONValue)] = [("type", "object"), ("description", .string(description)),
                                             ("properties", .object(members))]
        if !required.isEmpty { object.append(("required", .array(required.map { .string($0) }))) }
        return .object(object)
    }

    static func schemas() -> JSONValue {
        let base: JSONValue = [
            "Message": [
                "type": "object", "required": ["msg"],
                "properties": [
                    "msg": ["type": "string"],
                    "warning": ["type": "string", "description": "Only with breached_passwords = warn, after a change-password or sign-up whose new password is in the breached-password corpus: why it should be changed."],
                ],
            ],
            "Detail": [
                "type": "object", "required": ["detail"],
                "description": "FastAPI's error body.",
                "properties": ["detail": ["type": "string"]],
            ],
            "ValidationError": [
                "type": "object", "required": ["type", "loc", "msg", "input"],
                "description": "One problem, as pydantic reports it. A password is never echoed: its `input` is \"[redacted]\".",
                "properties": [
                    "type": ["type": "string", "enum": ["missing", "string_type", "string_too_short", "string_too_long",
                                                        "value_error", "json_invalid", "model_attributes_type", "enum", "bool_type"]],
                    "loc": ["type": "array", "items": ["anyOf": [["type": "string"], ["type": "integer"]]],
                            "description": "[\"body\", field], [\"query\", field], [\"body\", offset] for malformed JSON, or [\"query\"] for a malformed query string."],
                    "msg": ["type": "string"],
                    "input": ["description": "The value as sent (\"[redacted]\" for a password)."],
                    "ctx": ["type": "object"],
                ],
            ],
            "HTTPValidationError": [
                "type": "object", "required": ["detail"],
                "description": "422: every problem found, in pydantic's shape.",
                "properties": ["detail": ["type": "array", "items": schema("ValidationError")]],
            ],
            "OAuthError": [
                "type": "object", "required": ["error", "error_description"],
                "description": "RFC 6749 §5.2.",
                "properties": [
                    "error": ["type": "string", "enum": ["invalid_request", "invalid_grant", "unsupported_grant_type", "mfa_required"]],
                    "error_description": ["type": "string"],
                ],
            ],
            "Token": [
                "type": "object", "required": ["access_token", "token_type", "expires_in"],
                "properties": [
                    "access_token": ["type": "string", "description": "256 random bits, base64url."],
                    "token_type": ["type": "string", "const": "bearer"],
                    "expires_in": ["type": "integer", "minimum": 1, "description": "Seconds until the session's absolute end."],
                    "password_breached": ["type": "boolean", "const": true, "description": "Only with breached_password_signin: the password is in the breached-password corpus; ask its owner to change it."],
                ],
            ],
            "CodeVerified": [
                "description": "Just the message; with `purpose=reset` (no session) also a reset grant; with `purpose=login` (no session, when enabled) also a session's token; with `purpose=change_email` the account's new address.",
                "type": "object", "required": ["msg"],
                "properties": [
                    "msg": ["type": "string", "enum": ["OTP verified successfully", "Email address changed"]],
                    "email": ["type": "string", "format": "email"],
                    "reset_token": ["type": "string", "description": "Present it to change-password as `Authorization: Bearer`, without `old_password`; good once, for nothing else."],
                    "access_token": ["type": "string"],
                    "token_type": ["type": "string", "const": "bearer"],
                    "expires_in": ["type": "integer", "minimum": 1],
                    "password_breached": ["type": "boolean", "const": true, "description": "Only for `purpose=signup` with breached_passwords = warn: the new password is in the breached-password corpus."],
                ],
                "dependentRequired": ["reset_token": ["expires_in"], "access_token": ["token_type", "expires_in"]],
            ],
            "ChangeUndone": [
                "type": "object", "required": ["msg", "reset_token", "expires_in"],
                "properties": [
                    "msg": ["type": "string", "const": "The change of address was undone"],
                    "reset_token": ["type": "string", "description": "Present it to change-password as `Authorization: Bearer`, without `old_password`; good once, for nothing else."],
                    "expires_in": ["type": "integer", "minimum": 1],
                ],
            ],
            "Me": [
                "type": "object", "required": ["email", "email_verified", "created", "password_changed", "session"],
                "properties": [
                    "email": ["type": "string"],
                    "email_verified": ["type": "boolean"],
                    "created": ["type": "string", "format": "date-time"],
                    "password_changed": ["type": "string", "format": "date-time"],
                    "session": [
                        "type": "object", "required": ["created", "expires", "otp_verified", "factors", "reauth_expires"],
                        "properties": [
                            "created": ["type": "string", "format": "date-time"],
                            "expires": ["type": "string", "format": "date-time"],
                            "otp_verified": ["type": "boolean"],
                            "factors": ["type": "array", "items": ["type": "string", "enum": ["password", "email_code", "totp", "recovery_code", "passkey"]],
                                        "description": "How this session was proved: the password or an e-mailed sign-in code, then a second factor if one was used (at sign-in, enrolment or reauth)."],
                            "reauth_expires": ["type": "string", "format": "date-time",
                                               "description": "Until when the step-up window is open (reauth_window after the sign-in or the last reauth)."],
                        ],
                    ],
                    "mfa": schema("SecondFactorState"),
                ],
            ],
            "SecondFactorState": [
                "type": "object", "required": ["totp", "recovery_codes_left"],
                "properties": [
                    "totp": ["type": "boolean", "description": "Whether an authenticator app is enrolled (sign-in then needs its code)."],
                    "recovery_codes_left": ["type": "integer", "minimum": 0],
                ],
            ],
            "TOTPEnrolment": [
                "type": "object", "required": ["secret", "otpauth_uri"],
                "properties": [
                    "secret": ["type": "string", "pattern": "^[A-Z2-7]+$", "description": "160 random bits, base32 (RFC 4648) without padding."],
                    "otpauth_uri": ["type": "string", "description": "otpauth://totp/… for a QR code: SHA-1, 6 digits, 30 s, the site's name as issuer."],
                ],
            ],
            "RecoveryCodes": [
                "type": "object", "required": ["msg", "recovery_codes"],
                "properties": [
                    "msg": ["type": "string"],
                    "recovery_codes": ["type": "array", "minItems": 10, "maxItems": 10,
                                       "items": ["type": "string", "pattern": "^[0-9]-[a-z2-7]{5}-[a-z2-7]{5}$"],
                                       "description": "Shown this once; each signs in once in place of a code from the app. The first digit names its slot."],
                ],
            ],
            "Sessions": [
                "type": "object", "required": ["sessions"],
                "properties": ["sessions": ["type": "array", "items": [
                    "type": "object", "required": ["id", "current", "created", "last_used", "client_ip", "browser", "factors"],
                    "properties": [
                        "id": ["type": "string", "description": "Names the session for /sessions/revoke; not its token."],
                        "current": ["type": "boolean", "description": "The session making this request."],
                        "created": ["type": "string", "format": "date-time"],
                        "last_used": ["type": "string", "format": "date-time", "description": "To the minute or so: it is written at most once a minute."],
                        "client_ip": ["type": "string", "description": "Where it signed in from."],
                        "browser": ["type": "string", "description": "The browser family (Firefox, Chrome, curl…) or unknown."],
                        "factors": ["type": "array", "items": ["type": "string", "enum": ["password", "email_code", "totp", "recovery_code", "passkey"]]],
                    ],
                ]]],
            ],
            "Reauthenticated": [
                "type": "object", "required": ["msg", "reauth_expires"],
                "properties": ["msg": ["type": "string", "const": "Reauthenticated"],
                               "reauth_expires": ["type": "string", "format": "date-time"]],
            ],
            "Page": ["type": "string", "description": "An HTML page, in the site's layout."],
        ]
        guard case .object(let members) = base else { return base }
        return .object(members + passkeySchemas() + OpenAPIDocument.lifecycleSchemas)
    }

    static let noStore: JSONValue = [
        "required": true, "description": "Every answer: nothing is cached.",
        "schema": ["type": "string", "const": "no-store"],
    ]

    static func headers() -> JSONValue {
        [
            "Cache-Control": noStore,
            "Pragma": ["required": true, "description": "On every answer that carries a token or grant, and on /token's errors.",
                       "schema": ["type": "string", "const": "no-cache"]],
            "WWW-Authenticate": ["required": true, "description": "RFC 6750.", "schema": ["type": "string", "const": "Bearer"]],
            "Retry-After": ["required": true, "description": "Seconds to wait.", "schema": ["type": "integer", "minimum": 1]],
            "Allow": ["required": true, "schema": ["type": "string"]],
            "Location": ["required": true, "schema": ["type": "string"]],
            "Content-Disposition": ["required": true, "schema": ["type": "string", "pattern": "^attachment"]],
            "Set-Cookie": ["required": false, "description": "The session cookie (HttpOnly; Secure; SameSite=Lax), or its clearing.",
                           "schema": ["type": "string"]],
            "Content-Security-Policy": ["required": true, "schema": ["type": "string", "pattern": "frame-ancestors 'none'"]],
            "X-Content-Type-Options": ["required": true, "schema": ["type": "string", "const": "nosniff"]],
            "Referrer-Policy": ["required": true, "schema": ["type": "string", "const": "same-origin"]],
            "X-Frame-Options": ["required": true, "description": "For browsers older than CSP's frame-ancestors.",
                                "schema": ["type": "string", "const": "DENY"]],
        ]
    }

    /// A header some answers of one status carry and others do not.
    static func optional(_ name: String) -> JSONValue {
        guard case .object(var members)? = headers()[name] else { return [:] }
        members.removeAll { $0.0 == "required" }
        return .object([("required", false)] + members)
    }

    static func headers(_ names: [String]) -> JSONValue {
        .object((["Cache-Control"] + names).map { ($0, ref("headers", $0)) })
    }

    static let json = "application/json"
    static let html = "text/html; charset=utf-8"

    /// One answer: its description, the headers it always carries, and its
    /// body by media type.
    static func response(_ description: String, headers names: [String] = [], _ content: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [("description", .string(description)), ("headers", headers(names))]
        if !content.isEmpty {
            members.append(("content", .object(content.map { ($0.0, ["schema": $0.1]) })))
        }
        return .object(members)
    }

    /// A JSON client gets `schema`; a browser (a form post, or Accept:
    /// text/html) the page again with the problem marked.
    static func either(_ description: String, _ name: String, headers names: [String] = []) -> JSONValue {
        response(description, headers: names, [(json, schema(name)), (html, schema("Page"))])
    }

    static func responses(_ site: Site) -> JSONValue {
        [
            "Unauthorized": response("Not authenticated: no bearer token or session cookie, or one that is unknown, expired or revoked (or an `Authorization` header that is not a bearer token).",
                                     headers: ["WWW-Authenticate"], [(json, schema("Detail"))]),
            "TooLarge": either("The body is over \(site.maxBodyBytes) bytes.", "Detail"),
            "UnsupportedMediaType": either("A body that is neither application/json nor application/x-www-form-urlencoded.", "Detail"),
            "Invalid": either("A field missing, of the wrong type, too short or too long, or refused by a rule the schema cannot say; malformed JSON; a malformed query string.", "HTTPValidationError"),
            "TooManyRequests": either("A limit was reached; nothing was checked or changed.", "Detail", headers: ["Retry-After"]),
            "Unavailable": either("The database (store = postgresql) cannot be reached; nothing was changed.", "Detail", headers: ["Retry-After"]),
            "Redirect": response("Browser mode (a form post, or Accept: text/html): Post/Redirect/Get to the next page.",
                                 headers: ["Location", "Set-Cookie"]),
            "Page": response("The HTML form (browser mode).",
                             headers: ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"],
                             [(html, schema("Page"))]),
            "SignInFirst": response("A browser without a session: to the sign-in form, with this page as the return URL.",
                                    headers: ["Location", "Set-Cookie"]),
        ]
    }

    static func securitySchemes(_ site: Site) -> JSONValue {
        [
            "bearer": [
                "type": "http", "scheme": "bearer",
                "description": "`Authorization: Bearer <access_token>` from POST /token (the scheme name is case-insensitive). On change-password, a `reset_token` from verify-otp is presented the same way.",
            ],
            "password": [
                "type": "oauth2",
                "description": "The same token, obtained by the OAuth 2.0 password grant (RFC 6749 §4.3).",
                "flows": ["password": ["tokenUrl": .string(site.prefix + "/token"), "scopes": [:]]],
            ],
            "session": [
                "type": "apiKey", "in": "cookie", "name": .string(site.cookieName),
                "description": "The browser's session cookie (with the __Host- prefix over HTTPS, or __Secure- with cookie_domain). Posts authenticated by it need the form's CSRF token (`csrf_token` field or `X-CSRF-Token` header) and an acceptable Origin.",
            ],
        ]
    }
}
