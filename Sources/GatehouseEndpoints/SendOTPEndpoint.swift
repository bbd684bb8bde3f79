import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON

/// POST /send-otp: e-mails a one-time code. `email` from the query string
/// (as the original took it), a form or JSON; a signed-in user may omit it.
package struct SendOTPEndpoint: CodeFormEndpoint {
    package init() {}
    package let name = "send-otp"
    package let methods = ["GET", "POST"]
    package let sendsMail = true

    static let rules = [
        FieldRule("email", from: .queryOrBody, required: false, maxLength: 320),
        FieldRule("purpose", from: .queryOrBody, required: false, maxLength: 16),
    ]

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            let visitor = try Authentication.optional(ctx)
            let session = visitor.session
            var page = form(ctx, auth: session?.auth, email: EmailField.prefill(ctx) ?? session?.auth.user.email.description ?? "",
                            purpose: ctx.request.queryValue("purpose") ?? (session == nil ? "reset" : "verify"))
            page.headers += visitor.headers
            return page
        }
        let visitor = try Authentication.optional(ctx)
        let session = visitor.session
        try visitor.requireOwnSiteIfAnonymous(ctx)
        let fields = try FieldValidator.validate(ctx.body.value, query: ctx.request.query, rules: Self.rules)
        let email: EmailAddress
        if let raw = fields["email"] {
            email = try EmailField.parse(raw, in: EmailField.location(ctx))
        } else if let session {
            email = session.auth.user.email
        } else {
            throw RequestError.missingEmail
        }
        let purpose = try EmailField.purpose(fields["purpose"], default: .verify)
        try ctx.accounts.sendCode(to: email, purpose: purpose, clientIP: ctx.clientIP, language: ctx.page.language,
                                  session: session?.auth)
        if ctx.html {
            return .redirect(to: ctx.url("verify-otp") + "?email=" + FormDecoding.escape(email.description)
                             + "&purpose=" + purpose.rawValue + CodeSentNotice.query(ctx, email: email.description, purpose: purpose.rawValue)
                             + ctx.returnQuery, headers: visitor.headers)
        }
        return .json(200, .object([("msg", .string("OTP sent successfully"))]), headers: visitor.headers)
    }

    func form(_ ctx: RequestContext, auth: Authenticated?, email: String, purpose: String, message: String? = nil,
              issues: [ValidationIssue] = [], status: Int = 200) -> Response {
        let p = ctx.page
        let kind = ["reset", "login"].contains(purpose) ? purpose : "verify"
        return ctx.permittingReturn(.html(status, p.form(
            title: p["send.\(kind).title"], intro: p["send.\(kind).intro"], action: ctx.url(name),
            fields: Authentication.csrfField(ctx, auth) + ctx.returnURLField + [
                FormField("email", label: p["field.email"], type: "email", value: email, autocomplete: "email"),
                .hidden("purpose", purpose),
            ], submit: p["send.submit"], message: message, issues: issues, links: [
                // A code that is already on its way still works (a resend too soon is refused).
                PageLink(p["send.have-code"], ctx.url("verify-otp") + "?purpose=" + FormDecoding.escape(kind)
                         + (email.isEmpty ? "" : "&email=" + FormDecoding.escape(email)) + ctx.returnQuery),
                ctx.wayBack(signedIn: auth != nil),
            ])))
    }
}
