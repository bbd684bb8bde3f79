import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON

/// POST /token: the OAuth2 resource-owner password grant (RFC 6749 §4.3).
/// JSON clients get a bearer token; a browser form gets the session cookie
/// and a 303. GET shows the sign-in form.
package struct TokenEndpoint: Endpoint {
    package init() {}
    package let name = "token"
    package let methods = ["GET", "POST"]
    package let formImpliesHTML = false
    package let errorDialect = ErrorDialect.oauth2

    static let rules = [
        FieldRule("grant_type", required: false, maxLength: 64),
        FieldRule("username", maxLength: 320),
        FieldRule("password", maxLength: 1024, secret: true),
        FieldRule("rd", required: false, maxLength: 2048),
        // The second factor, for a JSON client (a browser gets a second step).
        FieldRule("mfa_code", required: false, maxLength: 64, secret: true),
    ]

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" { return formOrStepUp(ctx) }
        let fields: ValidFields
        do {
            fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.rules)
        } catch {
            // RFC 6749 §5.2, not pydantic: a missing or malformed parameter is invalid_request.
            throw RequestError.invalidTokenRequest(Self.describe(error.issues))
        }
        if let grant = fields["grant_type"], grant != "password" {
            throw RequestError.unsupportedGrantType
        }
        if ctx.html { try Authentication.checkOrigin(ctx) }
        let outcome = try ctx.accounts.signIn(username: fields["username"]!, password: fields["password"]!,
                                              clientIP: ctx.clientIP, browser: ctx.browser, language: ctx.page.language,
                                              secondFactor: Authentication.secondFactorAnswer(ctx, fields))
        if ctx.html { return Authentication.signedIn(ctx, outcome) }
        let opened = try outcome.session()
        return .json(200, .object([
            ("access_token", .string(opened.token)),
            ("token_type", .string("bearer")),
            ("expires_in", .int(opened.expiresIn)),
        ] + BreachedPasswordNotice.members(opened)), headers: [("Pragma", "no-cache")])
    }

    static func describe(_ issues: [ValidationIssue]) -> String {
        issues.map { issue in
            let field = issue.field ?? "body"
            return issue.type == "missing" ? "Missing parameter: \(field)" : "Invalid parameter: \(field) (\(issue.msg))"
        }.joined(separator: "; ")
    }

    /// Apache's mod_fcgid turns every refusal of its access checker into
    /// a 401, whose ErrorDocument is this form. A visitor already signed in
    /// was refused by a stricter policy: signing in again would loop, so
    /// they go to the step-up instead.
    /// Shown in place of the refused page, the form keeps the 401: no
    /// cache or crawler takes it for that page's content.
    func formOrStepUp(_ ctx: RequestContext) -> Response {
        guard ctx.request.params["REDIRECT_STATUS"] == "401" else { return form(ctx) }
        if let rd = ctx.returnURL, let caller = (try? Authentication.optional(ctx))?.session {
            // Apache hands the refused request's environment on with a
            // REDIRECT_ prefix: the policy its configuration set there.
            let policy = ctx.request.params["REDIRECT_GATEHOUSE_REQUIRE"].flatMap(AccessPolicy.init)
            // A passkey is proved by signing in with one: this form offers it.
            if policy == .passkey && !caller.auth.user.passkeys.isEmpty { return form(ctx, status: 401) }
            return .redirect(to: ctx.stepUp(for: policy ?? .signedIn, caller.auth.user, returningTo: rd))
        }
        return form(ctx, status: 401)
    }

    func form(_ ctx: RequestContext, message: String? = nil, username: String = "", status: Int = 200) -> Response {
        let p = ctx.page
        var links = [PageLink(p["signin.forgot"], ctx.url("send-otp") + "?purpose=reset" + ctx.returnQuery)]
        if ctx.accounts.policy.codes.loginEnabled {
            links.append(PageLink(p["signin.with-code"], ctx.url("send-otp") + "?purpose=login" + ctx.returnQuery))
        }
        if ctx.accounts.policy.signup == .open { links.append(PageLink(p["signin.signup"], ctx.url("signup"))) }
        // The return URL rides along in the form; only a safe one is kept.
        let passkey = PasskeyPages.signInForm(ctx)
        let page = ctx.permittingReturn(.html(status, p.form(
            title: p["signin.title"], notice: ctx.notice, action: ctx.url(name), fields: ctx.returnURLField + [
                .hidden("grant_type", "password"),
                FormField("username", label: p["field.email"], type: "email", value: username, autocomplete: "username"),
                FormField("password", label: p["field.password"], type: "password", autocomplete: "current-password"),
            ], submit: p["signin.submit"], message: message, links: links, after: passkey ?? "")))
        return passkey == nil ? page : page.allowingScripts()
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST" else { return nil }
        var page = form(ctx, message: ctx.page.explain(error), username: ctx.bodyText("username"), status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
