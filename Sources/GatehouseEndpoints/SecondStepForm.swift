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
        if ctx.request.method == "GET" { return form(ctx, ticket: ticket) }
        // No session yet: only our own pages may post it.
        try Authentication.checkOrigin(ctx)
        let answer: Accounts.SecondStepAnswer
        if case .string? = ctx.body.value?["credential"] {
            answer = .passkey(try PasskeysEndpoint.response(ctx))
        } else {
            answer = .code(try FieldValidator.validate(ctx.body.value, query: [], rules: MFAEndpoint.codeRules)["code"]!)
        }
        let opened: OpenedSession
        do {
            opened = try ctx.accounts.completeSecondStep(ticket: ticket, answer: answer, client: ctx.client)
        } catch AccountError.notAuthenticated {
            return expired(ctx)
        }
        return .redirect(to: ctx.returnURL ?? ctx.services.site.signinRedirect,
                         headers: [Authentication.sessionCookie(ctx, token: opened.token, maxAge: opened.expiresIn),
                                   Authentication.clearSecondStepCookie(ctx)])
    }

    /// The code form, and beside it the passkey form when the account has
    /// passkeys (its script allowed on this page alone).
    static func form(_ ctx: RequestContext, ticket: String, message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        let user = try? ctx.accounts.secondStepAccount(ticket: ticket)
        let passkey = user.flatMap { PasskeyPages.secondStepForm(ctx, ticket: ticket, user: $0) }
        let page = ctx.permittingReturn(.html(status, p.form(
            title: p["step.title"], intro: p["step.intro", ["site": ctx.services.site.name]], action: ctx.url("mfa"),
            fields: ctx.returnURLField + [
                FormField("code", label: p["field.mfa-code"], type: "text", autocomplete: "one-time-code"),
            ], submit: p["step.submit"], message: message, links: [ctx.wayBack(signedIn: false)], after: passkey ?? "")))
        return passkey == nil ? page : page.allowingScripts()
    }

    /// Too slow, or the fifth wrong code: sign in again.
    static func expired(_ ctx: RequestContext) -> Response {
        .redirect(to: ctx.url("token") + "?notice=second-step-expired" + ctx.returnQuery,
                  headers: [Authentication.clearSecondStepCookie(ctx)])
    }

    /// A failed post: the form again while the ticket lives.
    static func retry(_ ctx: RequestContext, ticket: String, error: HTTPError) -> Response? {
        guard (try? ctx.accounts.secondStepAccount(ticket: ticket)) != nil else { return expired(ctx) }
        var page = form(ctx, ticket: ticket, message: ctx.page.explain(error), status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
