import GatehouseCore
import GatehouseHTTP
import GatehousePages

/// The second step of a browser's sign-in: the code form shown between the
/// right password and the session, for the holder of a second-step ticket
/// (its own cookie, good for nothing else, for a few minutes and five
/// codes; `Accounts.completeSecondStep` decides).
enum SecondStepForm {
    static func handle(_ ctx: RequestContext, ticket: String) throws -> Response {
        guard try ctx.accounts.secondStepAccount(ticket: ticket) != nil else { return expired(ctx) }
        if ctx.request.method == "GET" { return form(ctx) }
        // No session yet: only our own pages may post it.
        try Authentication.checkOrigin(ctx)
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: MFAEndpoint.codeRules)
        let opened: OpenedSession
        do {
            opened = try ctx.accounts.completeSecondStep(ticket: ticket, code: fields["code"]!, client: ctx.client)
        } catch AccountError.notAuthenticated {
            return expired(ctx)
        }
        return .redirect(to: ctx.returnURL ?? ctx.services.site.signinRedirect,
                         headers: [Authentication.sessionCookie(ctx, token: opened.token, maxAge: opened.expiresIn),
                                   Authentication.clearSecondStepCookie(ctx)])
    }

    static func form(_ ctx: RequestContext, message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        return ctx.permittingReturn(.html(status, p.form(
            title: p["step.title"], intro: p["step.intro", ["site": ctx.services.site.name]], action: ctx.url("mfa"),
            fields: ctx.returnURLField + [
                FormField("code", label: p["field.mfa-code"], type: "text", autocomplete: "one-time-code"),
            ], submit: p["step.submit"], message: message, links: [ctx.wayBack(signedIn: false)])))
    }

    /// Too slow, or the fifth wrong code: sign in again.
    static func expired(_ ctx: RequestContext) -> Response {
        .redirect(to: ctx.url("token") + "?notice=second-step-expired" + ctx.returnQuery,
                  headers: [Authentication.clearSecondStepCookie(ctx)])
    }

    /// A failed post: the form again while the ticket lives.
    static func retry(_ ctx: RequestContext, ticket: String, error: HTTPError) -> Response? {
        guard (try? ctx.accounts.secondStepAccount(ticket: ticket)) != nil else { return expired(ctx) }
        var page = form(ctx, message: ctx.page.explain(error), status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
