import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// The passkeys' pages: the person's list (rename, remove, add), and the
/// passkey forms of the sign-in page and the second step. Each page with
/// a passkey form loads the one script and allows it in its CSP; the
/// options are made as the page is shown (nothing is stored for them).
enum PasskeyPages {
    static func list(_ ctx: RequestContext, _ auth: Authenticated, message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        let csrf = Authentication.csrfField(ctx, auth)
        var body = Page.notice(ctx.notice)
        if let message { body += "<p class=\"error-summary\" role=\"alert\">\(htmlEscape(message))</p>\n" }
        body += "<p>\(htmlEscape(p["passkeys.intro"]))</p>\n"
        if auth.user.passkeys.isEmpty {
            body += "<p>\(htmlEscape(p["passkeys.none"]))</p>\n"
        } else {
            body += "<ul class=\"passkeys\">\n"
            for key in auth.user.passkeys {
                let used = key.lastUsed == 0 ? p["passkeys.never-used"] : UTCTime.rfc3339(key.lastUsed)
                body += "<li>\n<p><strong>\(htmlEscape(key.name))</strong><br>\n"
                    + htmlEscape(p["passkeys.created", ["time": UTCTime.rfc3339(key.created)]]) + "<br>\n"
                    + htmlEscape(p["passkeys.last-used", ["time": used]]) + "</p>\n"
                    + p.button(action: ctx.url("passkeys/remove"), fields: csrf + [FormField("id", label: "", type: "hidden", value: key.id)],
                               label: p["passkeys.remove"])
                    + "<form method=\"post\" action=\"\(htmlEscape(ctx.url("passkeys/rename")))\" class=\"inline\">\n"
                    + csrf.map { "<input type=\"hidden\" name=\"\(htmlEscape($0.name))\" value=\"\(htmlEscape($0.value))\">\n" }.joined()
                    + "<input type=\"hidden\" name=\"id\" value=\"\(htmlEscape(key.id))\">\n"
                    + "<label for=\"n-\(htmlEscape(key.id))\">\(htmlEscape(p["passkeys.new-name"]))</label>\n"
                    + "<input id=\"n-\(htmlEscape(key.id))\" name=\"name\" type=\"text\" autocomplete=\"off\" maxlength=\"64\">\n"
                    + "<button type=\"submit\" class=\"secondary\">\(htmlEscape(p["passkeys.rename"]))</button>\n</form>\n</li>\n"
            }
            body += "</ul>\n"
        }
        var scripted = false
        if let options = try? ctx.accounts.passkeyCreationOptions(auth) {
            body += p.passkeyForm(.create, action: ctx.url("passkeys/register"), options: options.serialized(), fields: csrf,
                                  label: p["passkeys.add"], nameField: FormField("name", label: p["passkeys.name"]))
            scripted = true
        } else if ctx.accounts.policy.relyingParty != nil {
            // Outside the step-up window: the password first, then back here.
            body += "<p><a href=\"\(htmlEscape(ctx.url("reauth") + "?rd=" + FormDecoding.escape(ctx.url("passkeys"))))\">"
                + "\(htmlEscape(p["passkeys.confirm-to-add"]))</a></p>\n"
        }
        body += Page.links([ctx.wayBack(signedIn: true)])
        if scripted { body += p.passkeyScript }
        let page = Response.html(status, p.document(title: p["passkeys.title"], body: body))
        return scripted ? page.allowingScripts() : page
    }

    /// The sign-in page's "Sign in with a passkey": empty when the site
    /// has no passkeys.
    static func signInForm(_ ctx: RequestContext) -> String? {
        guard let options = try? ctx.accounts.passkeyRequestOptions() else { return nil }
        let p = ctx.page
        return p.passkeyForm(.get, action: ctx.url("passkeys/login"), options: options.serialized(), fields: ctx.returnURLField,
                             label: p["passkeys.sign-in"])
            + p.passkeyScript
    }

    /// The second step's passkey form, for an account that has passkeys.
    static func secondStepForm(_ ctx: RequestContext, ticket: String, user: UserRecord) -> String? {
        guard !user.passkeys.isEmpty, let options = try? ctx.accounts.passkeyRequestOptions(ticket: ticket) else { return nil }
        let p = ctx.page
        return p.passkeyForm(.get, action: ctx.url("mfa"), options: options.serialized(), fields: ctx.returnURLField,
                             label: p["passkeys.use"]) + p.passkeyScript
    }
}
