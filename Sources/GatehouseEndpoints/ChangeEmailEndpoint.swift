import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages

/// `<prefix>/change-email`: a new address for the signed-in account
/// (step-up window), `{"new_email"}`; its code is verified at verify-otp
/// with `purpose=change_email`. `<prefix>/change-email/undo`: the old
/// address's way back, `{"token"}` from the mail that told it, answered
/// like a password reset.
package struct ChangeEmailEndpoint: Endpoint {
    package init() {}
    package let name = "change-email"
    package let methods = ["GET", "POST"]
    package let sendsMail = true

    static let requestRules = [FieldRule("new_email", maxLength: 320)]
    var undoPath: String { name + "/undo" }
    var undoForm: MailedCodeForm { MailedCodeForm(path: undoPath, texts: "email.undo", label: "field.undo-code") }

    package func handle(_ ctx: RequestContext) throws -> Response {
        switch ctx.request.path {
        case ctx.url(name): return try ctx.request.method == "GET" ? requestForm(ctx, auth: Authentication.requireForPage(ctx).auth)
            : request(ctx)
        case ctx.url(undoPath):
            return try undoForm.handle(ctx) { token, _ in
                let grant = try ctx.accounts.undoEmailChange(token, client: ctx.client)
                return Authentication.resetGrantResponse(ctx, grant, message: ("msg", .string("The change of address was undone")))
            }
        default: throw HTTPError.notFound
        }
    }

    func request(_ ctx: RequestContext) throws -> Response {
        let auth = try Authentication.require(ctx).auth
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.requestRules)
        let new = try EmailField.parse(fields["new_email"]!, in: "body", field: "new_email")
        try ctx.accounts.requestEmailChange(auth, to: new, client: ctx.client)
        if ctx.html {
            return .redirect(to: ctx.url("verify-otp") + "?purpose=" + Accounts.changeEmailPurpose
                             + "&email=" + FormDecoding.escape(new.description)
                             + CodeSentNotice.query(ctx, email: new.description, purpose: Accounts.changeEmailPurpose))
        }
        return .json(200, .object([("msg", .string("A code was sent to the new address"))]))
    }

    /// The undo page the mail names: absolute when the site's public origin
    /// is known, else its path (the Host header never makes a link). The
    /// code is not in it: a URL ends up in access logs and histories.
    static func undoPage(_ ctx: RequestContext) -> String {
        ctx.services.site.publicOrigin + ctx.url("change-email/undo")
    }

    func requestForm(_ ctx: RequestContext, auth: Authenticated, value: String = "", message: String? = nil,
                     issues: [ValidationIssue] = [], status: Int = 200) -> Response {
        let p = ctx.page
        let fields = Authentication.csrfField(ctx, auth) + [
            FormField("new_email", label: p["field.new-email"], type: "email", value: value, autocomplete: "email",
                      hint: p["email.hint", ["email": auth.user.email.description]]),
        ]
        return .html(status, p.form(title: p["email.title"], intro: p["email.intro"], action: ctx.url(name), fields: fields,
                                    submit: p["email.submit"], message: message, issues: issues,
                                    links: [ctx.wayBack(signedIn: true)]))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", error.status != 401 else { return nil }
        if ctx.request.path == ctx.url(undoPath) { return undoForm.failed(error, ctx) }
        guard let auth = (try? Authentication.require(ctx))?.auth else { return nil }
        var page = requestForm(ctx, auth: auth, value: ctx.bodyText("new_email"), message: ctx.page.explain(error),
                               issues: error.issues, status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
