import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseSystem

/// The second factor's pages for a signed-in person: its state with the
/// buttons that change it, the enrolment (QR code and key), the recovery
/// codes shown once.
enum MFAPages {
    static func settings(_ ctx: RequestContext, _ auth: Authenticated) -> Response {
        let p = ctx.page, factor = auth.user.secondFactor
        let csrf = Authentication.csrfField(ctx, auth)
        var body = Page.notice(ctx.notice)
        if factor.enabled {
            body += "<p>\(htmlEscape(p["mfa.intro-on"]))</p>\n"
                + "<p>\(htmlEscape(p["mfa.recovery-left", ["n": String(factor.recoveryCodesLeft)]]))</p>\n"
                + p.button(action: ctx.url("mfa/recovery-codes"), fields: csrf, label: p["mfa.regenerate"])
                + p.button(action: ctx.url("mfa/totp/disable"), fields: csrf, label: p["mfa.disable"])
        } else {
            body += "<p>\(htmlEscape(p["mfa.intro-off"]))</p>\n"
                + p.button(action: ctx.url("mfa/totp/setup"), fields: csrf, label: p["mfa.enable"])
        }
        body += Page.links([ctx.wayBack(signedIn: true)])
        return .html(200, p.document(title: p["mfa.title"], body: body))
    }

    /// The QR code (when libqrencode is there) and the key as text, four
    /// letters at a time, then the code that turns it on.
    static func enrol(_ ctx: RequestContext, _ auth: Authenticated, _ enrolment: Accounts.TOTPEnrolment,
                      message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        let key = stride(from: 0, to: enrolment.secret.count, by: 4).map { i in
            String(enrolment.secret.dropFirst(i).prefix(4))
        }.joined(separator: " ")
        var intro = "<p class=\"intro\">\(htmlEscape(p["mfa.setup.intro"]))</p>\n"
        if let svg = QRCode.svg(enrolment.uri, label: p["mfa.setup.qr"]) {
            intro += "<figure class=\"qr\">\(svg)</figure>\n"
        }
        intro += "<p>\(htmlEscape(p["mfa.setup.key"])): <code class=\"secret\">\(htmlEscape(key))</code></p>\n"
        let form = p.form(title: p["mfa.setup.title"], action: ctx.url("mfa/totp/confirm"), fields: Authentication.csrfField(ctx, auth) + [
            FormField("code", label: p["field.totp"], type: "text", autocomplete: "one-time-code"),
        ], submit: p["mfa.setup.submit"], message: message, links: [PageLink(p["nav.back-mfa"], ctx.url("mfa"))], before: intro)
        return .html(status, form)
    }

    /// Shown once: as a list to copy or print, and as a text file to keep.
    static func recoveryCodes(_ ctx: RequestContext, _ codes: [String]) -> Response {
        let p = ctx.page
        let text = p["mfa.codes.file", ["site": ctx.services.site.name]] + "\n\n" + codes.map { $0 + "\n" }.joined()
        let body = "<p>\(htmlEscape(p["mfa.codes.intro"]))</p>\n<ul class=\"codes\">\n"
            + codes.map { "<li><code>\(htmlEscape($0))</code></li>\n" }.joined() + "</ul>\n"
            + "<p><a download=\"recovery-codes.txt\" href=\"data:text/plain;charset=utf-8,\(FormDecoding.escape(text))\">"
            + "\(htmlEscape(p["mfa.codes.download"]))</a></p>\n"
            + Page.links([PageLink(p["mfa.codes.done"], ctx.url("mfa"))])
        return .html(200, p.document(title: p["mfa.codes.title"], body: body))
    }
}
