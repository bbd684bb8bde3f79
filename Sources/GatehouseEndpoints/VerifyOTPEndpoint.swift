import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON

/// POST /verify-otp. With a session: steps the session up (and verifies
/// the address). Without one, `email` + `code`: a password-reset grant
/// (purpose reset), a session (purpose login, if enabled), or just a
/// verified address (purpose verify, the default everywhere).
package struct VerifyOTPEndpoint: CodeFormEndpoint {
    package init() {}
    package let name = "verify-otp"
    package let methods = ["GET", "POST"]

    static let rules = [
        FieldRule("code", maxLength: 64),
        FieldRule("email", from: .queryOrBody, required: false, maxLength: 320),
        FieldRule("purpose", from: .queryOrBody, required: false, maxLength: 16),
        // purpose=login for an account with a second factor (JSON clients).
        FieldRule("mfa_code", required: false, maxLength: 64, secret: true),
        // purpose=signup: the password chosen at signup, again.
        FieldRule("password", required: false, maxLength: 1024, secret: true),
    ]

    static let verified: (String, JSONValue) = ("msg", .string("OTP verified successfully"))

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            let visitor = try Authentication.optional(ctx)
            var page = form(ctx, auth: visitor.session?.auth, email: EmailField.prefill(ctx) ?? "",
                            purpose: ctx.request.queryValue("purpose") ?? "")
            page.headers += visitor.headers
            return page
        }
        let visitor = try Authentication.optional(ctx)
        let session = visitor.session
        try visitor.requireOwnSiteIfAnonymous(ctx)
        // Like the original, a request with neither a session nor an
        // address is unauthenticated before its body is looked at.
        let hasEmail = ctx.request.queryValue("email") != nil || ctx.body.value?["email"] != nil
        if session == nil && !hasEmail { throw RequestError.notAuthenticated }
        let fields = try FieldValidator.validate(ctx.body.value, query: ctx.request.query, rules: Self.rules)
        let code = fields["code"]!

        if fields["purpose"] == Accounts.signupPurpose {
            // A sign-up's code makes the account and signs it in, whoever
            // this browser was signed in as before.
            let email = try EmailField.parse(fields["email"] ?? "", in: EmailField.location(ctx))
            guard let password = fields["password"] else {
                throw HTTPError.validation([ValidationIssue(type: "missing", loc: [.string("body"), .string("password")],
                                                            msg: "Field required", input: .null)])
            }
            var opened = try ctx.accounts.completeSignup(code, for: email, password: password, client: ctx.client)
            // breached_passwords = warn: the account is made, and its owner asked for another password.
            opened.passwordBreached = ctx.accounts.breachWarning(for: password)
            return ctx.html ? Authentication.signedIn(ctx, .opened(opened)) : Self.sessionAnswer(opened)
        }
        if fields["purpose"] == Accounts.changeEmailPurpose {
            // A new address's code: only a session of the account verifies it.
            guard let auth = session?.auth else { throw RequestError.notAuthenticated }
            // Without the new address there is no code it could be.
            guard let raw = fields["email"] else { throw AccountError.invalidCode }
            let new = try EmailField.parse(raw, in: EmailField.location(ctx))
            try ctx.accounts.confirmEmailChange(auth, to: new, code: code, undoPage: ChangeEmailEndpoint.undoPage(ctx), client: ctx.client)
            return ctx.html ? .redirect(to: ctx.home + "?notice=email-changed")
                : .json(200, .object([("msg", .string("Email address changed")), ("email", .string(new.description))]))
        }
        if let auth = session?.auth {
            let purpose = try EmailField.purpose(fields["purpose"], default: .verify)
            try ctx.accounts.verifyCode(code, session: auth, purpose: purpose, clientIP: ctx.clientIP)
            return ctx.html ? .redirect(to: ctx.returnURL ?? ctx.home + "?notice=code-accepted") : .json(200, .object([Self.verified]))
        }

        var response = try verifyWithoutSession(ctx, fields: fields, code: code)
        response.headers += visitor.headers
        return response
    }

    func verifyWithoutSession(_ ctx: RequestContext, fields: ValidFields, code: String) throws -> Response {
        let email = try EmailField.parse(fields["email"] ?? "", in: EmailField.location(ctx))
        let purpose = try EmailField.purpose(fields["purpose"], default: .verify)
        switch try ctx.accounts.redeemCode(code, for: email, purpose: purpose, clientIP: ctx.clientIP, browser: ctx.browser,
                                           language: ctx.page.language,
                                           secondFactor: Authentication.secondFactorAnswer(ctx, fields)) {
        case .addressVerified:
            return ctx.html ? .redirect(to: ctx.returnURL ?? ctx.url("token") + "?notice=address-verified")
                : .json(200, .object([Self.verified]))
        case .resetGrant(let grant):
            return Authentication.resetGrantResponse(ctx, grant, message: Self.verified)
        case .signedIn(let outcome):
            if ctx.html { return Authentication.signedIn(ctx, outcome) }
            return Self.sessionAnswer(try outcome.session())
        }
    }

    static func sessionAnswer(_ opened: OpenedSession) -> Response {
        .json(200, .object([verified, ("access_token", .string(opened.token)), ("token_type", .string("bearer")),
                            ("expires_in", .int(opened.expiresIn))] + BreachedPasswordNotice.members(opened)), headers: [("Pragma", "no-cache")])
    }

    func form(_ ctx: RequestContext, auth: Authenticated?, email: String, purpose: String, message: String? = nil,
              issues: [ValidationIssue] = [], status: Int = 200) -> Response {
        let p = ctx.page
        var fields = Authentication.csrfField(ctx, auth) + ctx.returnURLField
        if auth == nil {
            fields.append(FormField("email", label: p["field.email"], type: "email", value: email, autocomplete: "email"))
        } else if purpose == Accounts.changeEmailPurpose || purpose == Accounts.signupPurpose {
            fields.append(.hidden("email", email))
        }
        fields += [
            .hidden("purpose", purpose),
            FormField("code", label: p["field.code"], type: "text", autocomplete: "one-time-code", hint: p["verify.code-hint"]),
        ]
        if purpose == Accounts.signupPurpose {
            fields.append(FormField("password", label: p["field.password"], type: "password", autocomplete: "new-password",
                                    hint: p["verify.signup-password-hint"]))
        }
        // Where the code went (never whether the address has an account),
        // said only on send-otp's own word, and a way to ask for another one.
        let address = email.isEmpty ? auth?.user.email.description ?? "" : email
        let signup = purpose == Accounts.signupPurpose
        let sent = !address.isEmpty && CodeSentNotice.holds(ctx, email: address, purpose: purpose)
            ? p[signup ? "verify.sent-signup" : auth == nil ? "verify.sent" : "verify.sent-own", ["email": address]] : nil
        // A sign-up's new code needs the password again: its own form.
        let resend = address.isEmpty || signup ? "" : p.button(
            action: ctx.url("send-otp"),
            fields: Authentication.csrfField(ctx, auth) + ctx.returnURLField + [.hidden("email", address), .hidden("purpose", purpose)],
            label: p["verify.resend"])
        return ctx.permittingReturn(.html(status, p.form(
            title: p["verify.title"], notice: sent, action: ctx.url(name), fields: fields, submit: p["verify.submit"],
            message: message, issues: issues, links: [ctx.wayBack(signedIn: auth != nil)], after: resend)))
    }
}
