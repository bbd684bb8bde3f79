import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// `<prefix>/reauth`: the password again (and the second factor, once
/// enrolled) in a session, for the step-up window. Pages that need it send
/// the browser here and are brought back (`rd`); JSON clients post it.
package struct ReauthEndpoint: Endpoint {
    package init() {}
    package let name = "reauth"
    package let methods = ["GET", "POST"]

    static let rules = [
        FieldRule("password", maxLength: 1024, secret: true),
        FieldRule("mfa_code", required: false, maxLength: 64, secret: true),
        FieldRule("rd", required: false, maxLength: 2048),
    ]

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            return form(ctx, auth: try Authentication.requireForPage(ctx).auth)
        }
        let auth = try Authentication.require(ctx).auth
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.rules)
        try ctx.accounts.reauthenticate(auth, password: fields["password"]!, secondFactor: fields["mfa_code"],
                                        client: ctx.client)
        if ctx.html { return .redirect(to: ctx.returnURL ?? ctx.home) }
        let until = ctx.accounts.now() + Int64(ctx.accounts.policy.reauthWindow)
        return .json(200, .object([("msg", .string("Reauthenticated")), ("reauth_expires", .string(UTCTime.rfc3339(until)))]))
    }

    func form(_ ctx: RequestContext, auth: Authenticated, message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        var fields = Authentication.csrfField(ctx, auth) + ctx.returnURLField + [
            FormField("password", label: p["field.password"], type: "password", autocomplete: "current-password"),
        ]
        if auth.user.secondFactor.enabled {
            fields.append(FormField("mfa_code", label: p["field.mfa-code"], type: "text", autocomplete: "one-time-code"))
        }
        return ctx.permittingReturn(.html(status, p.form(
            title: p["reauth.title"], intro: p[auth.user.secondFactor.enabled ? "reauth.intro-mfa" : "reauth.intro"],
            action: ctx.url(name), fields: fields, submit: p["reauth.submit"], message: message,
            links: [ctx.wayBack(signedIn: true)])))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", error.status != 401,
              let auth = (try? Authentication.require(ctx))?.auth else { return nil }
        var page = form(ctx, auth: auth, message: ctx.page.explain(error), status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
