import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages

/// `<prefix>/signup` (with `signup_enabled`): `{"email", "password"}`, and
/// `invitation` where the site signs up by invitation only. The answer is
/// the same whether the address has an account; the account is made when
/// its code is verified at verify-otp with `purpose=signup`. Not there
/// (404) when the site has no sign-up.
package struct SignupEndpoint: Endpoint {
    package init() {}
    package let name = "signup"
    package let methods = ["GET", "POST"]
    package let sendsMail = true

    static func rules(_ site: Site) -> [FieldRule] {
        let password = { (name: String, required: Bool) in
            FieldRule(name, required: required, minLength: site.passwordMinLength, maxLength: site.passwordMaxLength, secret: true)
        }
        return [FieldRule("email", maxLength: 320), password("password", true),
                // The form asks twice; a JSON client need not.
                password("confirm_password", false),
                FieldRule("invitation", from: .queryOrBody, required: false, maxLength: 64, secret: true)]
    }

    static let answer: (String, JSONValue) = ("msg", .string("Check your mailbox: a mail is on its way to the address"))

    package func handle(_ ctx: RequestContext) throws -> Response {
        guard ctx.accounts.policy.signup != .closed else { throw AccountError.signupClosed }
        let visitor = try Authentication.optional(ctx)
        if ctx.request.method == "GET" {
            var page = form(ctx, auth: visitor.session?.auth, email: EmailField.prefill(ctx) ?? "",
                            invitation: ctx.request.queryValue("invitation") ?? "")
            page.headers += visitor.headers
            return page
        }
        try visitor.requireOwnSiteIfAnonymous(ctx)
        let fields = try FieldValidator.validate(ctx.body.value, query: ctx.request.query, rules: Self.rules(ctx.services.site))
        let email = try EmailField.parse(fields["email"]!, in: "body")
        if let again = fields["confirm_password"], !PasswordText(fields["password"]!).matches(PasswordText(again)) {
            throw RequestError.passwordsDiffer
        }
        try ctx.accounts.requestSignup(email, password: fields["password"]!, invitation: fields["invitation"], client: ctx.client)
        if ctx.html {
            return .redirect(to: ctx.url("verify-otp") + "?purpose=" + Accounts.signupPurpose + "&email="
                             + FormDecoding.escape(email.description)
                             + CodeSentNotice.query(ctx, email: email.description, purpose: Accounts.signupPurpose),
                             headers: visitor.headers)
        }
        return .json(200, .object([Self.answer] + BreachedPasswordNotice.warning(ctx, password: fields["password"]!)))
    }

    /// `auth`: a browser signed in to another account posts with its CSRF token like any other.
    func form(_ ctx: RequestContext, auth: Authenticated?, email: String, invitation: String, message: String? = nil,
              issues: [ValidationIssue] = [], status: Int = 200) -> Response {
        let p = ctx.page
        let site = ctx.services.site
        var fields = Authentication.csrfField(ctx, auth) + [
            FormField("email", label: p["field.email"], type: "email", value: email, autocomplete: "email"),
            FormField("password", label: p["field.new-password"], type: "password", autocomplete: "new-password",
                      hint: p["password.hint", ["min": String(site.passwordMinLength), "max": String(site.passwordMaxLength)]]),
            FormField("confirm_password", label: p["field.new-password-again"], type: "password", autocomplete: "new-password"),
        ]
        if ctx.accounts.policy.signup == .invitation {
            // Carried from the invitation's link; it names the address it was sent to.
            fields.append(.hidden("invitation", invitation))
        }
        let intro = p[ctx.accounts.policy.signup == .invitation ? "signup.intro-invitation" : "signup.intro"]
        return .html(status, p.form(title: p["signup.title"], intro: intro, action: ctx.url(name), fields: fields,
                                    submit: p["signup.submit"], message: message, issues: issues,
                                    links: [ctx.wayBack(signedIn: false)]))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", error.status != 404 else { return nil }
        let visitor = try? Authentication.optional(ctx)
        var page = form(ctx, auth: visitor?.session?.auth, email: ctx.bodyText("email"), invitation: ctx.bodyText("invitation"),
                        message: ctx.page.explain(error), issues: error.issues, status: error.status)
        page.headers += visitor?.headers ?? []
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
