import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON

/// POST /change-password: old, new and confirmation; or new and
/// confirmation with a password-reset grant from verify-otp.
package struct ChangePasswordEndpoint: Endpoint {
    package init() {}
    package let name = "change-password"
    package let methods = ["GET", "POST"]
    package let sendsMail = true

    static func rules(_ config: Site, reset: Bool) -> [FieldRule] {
        let new = { (name: String) in
            FieldRule(name, minLength: config.passwordMinLength, maxLength: config.passwordMaxLength, secret: true)
        }
        // The original declared min_length=8 on old_password too; keep it.
        return (reset ? [] : [FieldRule("old_password", minLength: 8, maxLength: 1024, secret: true)])
            + [new("new_password"), new("confirm_password")]
    }

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            let auth = try Authentication.requireForPage(ctx, allowResetGrant: true).auth
            return form(ctx, auth: auth)
        }
        let auth = try Authentication.require(ctx, allowResetGrant: true).auth
        let reset = auth.session.kind == .reset
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.rules(ctx.services.site, reset: reset))
        guard PasswordText(fields["new_password"]!).matches(PasswordText(fields["confirm_password"]!)) else {
            throw RequestError.passwordsDiffer
        }
        try ctx.accounts.changePassword(auth, old: fields["old_password"], new: fields["new_password"]!, clientIP: ctx.clientIP,
                                        language: ctx.page.language)
        let warning = BreachedPasswordNotice.warning(ctx, password: fields["new_password"]!)
        if ctx.html {
            // After a reset the browser has no session yet: to the sign-in
            // form, which says the password changed.
            let notice = (reset ? "password-reset" : "password-changed") + (warning.isEmpty ? "" : "-breached")
            return reset ? .redirect(to: ctx.url("token") + "?notice=" + notice, headers: [Authentication.clearResetCookie(ctx)])
                : .redirect(to: ctx.home + "?notice=" + notice)
        }
        return .json(200, .object([("msg", .string("Password changed successfully"))] + warning))
    }

    func form(_ ctx: RequestContext, auth: Authenticated?, message: String? = nil, issues: [ValidationIssue] = [],
              status: Int = 200) -> Response {
        let p = ctx.page
        let reset = auth?.session.kind == .reset
        var fields = Authentication.csrfField(ctx, auth)
        if !reset {
            fields.append(FormField("old_password", label: p["field.current-password"], type: "password", autocomplete: "current-password"))
        }
        let site = ctx.services.site
        fields += [
            FormField("new_password", label: p["field.new-password"], type: "password", autocomplete: "new-password",
                      hint: p["password.hint", ["min": String(site.passwordMinLength), "max": String(site.passwordMaxLength)]]),
            FormField("confirm_password", label: p["field.new-password-again"], type: "password", autocomplete: "new-password"),
        ]
        // The reset form names the account it sets the password of.
        let title = reset ? p["password.reset.title", ["email": auth?.user.email.description ?? ""]] : p["password.title"]
        return .html(status, p.form(title: title, notice: ctx.notice, action: ctx.url(name), fields: fields, submit: p["password.submit"],
                                    message: message, issues: issues, links: reset ? [] : [ctx.wayBack(signedIn: true)]))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", error.status != 401,
              let auth = (try? Authentication.require(ctx, allowResetGrant: true))?.auth else { return nil }
        var page = form(ctx, auth: auth, message: ctx.page.explain(error), issues: error.issues, status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" }
        return page
    }
}
