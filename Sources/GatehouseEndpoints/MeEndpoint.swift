import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON
import GatehouseSystem

/// GET /me: the signed-in account. In a browser it is the account home,
/// also served at `<prefix>/`.
package struct MeEndpoint: Endpoint {
    package init() {}
    package let name = "me"
    package let methods = ["GET"]

    package func handle(_ ctx: RequestContext) throws -> Response {
        let auth = try (ctx.html ? Authentication.requireForPage(ctx) : Authentication.require(ctx)).auth
        let u = auth.user, s = auth.session
        let policy = ctx.accounts.policy
        let expires = min(s.created + Int64(policy.sessionAbsolute), s.lastSeen + Int64(policy.sessionIdle))
        if ctx.html { return home(ctx, auth, expires: expires) }
        return .json(200, .object([
            ("email", .string(u.email.description)),
            ("email_verified", .bool(u.emailVerified)),
            ("created", .string(UTCTime.rfc3339(u.created))),
            ("password_changed", .string(UTCTime.rfc3339(u.passwordChanged))),
            ("session", .object([
                ("created", .string(UTCTime.rfc3339(s.created))),
                ("expires", .string(UTCTime.rfc3339(expires))),
                ("otp_verified", .bool(s.otpVerifiedAt > 0)),
                ("factors", .array(s.factors.map { .string($0.rawValue) })),
                ("reauth_expires", .string(UTCTime.rfc3339(s.reauthAt + Int64(policy.reauthWindow)))),
            ])),
            ("mfa", MFAEndpoint.state(u)),
        ]))
    }

    func home(_ ctx: RequestContext, _ auth: Authenticated, expires: Int64) -> Response {
        let p = ctx.page, u = auth.user, email = u.email.description
        let verified = u.emailVerified
            ? "<span class=\"badge ok\">\(htmlEscape(p["home.verified"]))</span>"
            : "<span class=\"badge\">\(htmlEscape(p["home.not-verified"]))</span>"
        func row(_ label: String, _ value: String) -> String {
            "<dt>\(htmlEscape(p[label]))</dt><dd>\(value)</dd>\n"
        }
        var links = [PageLink(p["home.change-password"], ctx.url("change-password")),
                     PageLink(p["home.change-email"], ctx.url("change-email")), PageLink(p["home.manage-mfa"], ctx.url("mfa")),
                     PageLink(p["home.sessions"], ctx.url("sessions"))]
        if ctx.accounts.policy.relyingParty != nil { links.append(PageLink(p["home.passkeys"], ctx.url("passkeys"))) }
        if !u.emailVerified { links.append(PageLink(p["home.verify"], ctx.url("send-otp") + "?purpose=verify")) }
        links += [PageLink(p["home.export"], ctx.url("export")), PageLink(p["home.delete-account"], ctx.url("delete-account")),
                  PageLink(p["home.sign-out"], ctx.url("logout"))]
        let body = Page.notice(ctx.notice)
            + "<p>\(htmlEscape(p["home.signed-in-as", ["email": email]]))</p>\n<dl class=\"facts\">\n"
            + row("home.address", htmlEscape(email) + " " + verified)
            + row("home.password-changed", htmlEscape(UTCTime.readable(u.passwordChanged)))
            + row("home.mfa", htmlEscape(p[u.secondFactor.enabled ? "home.mfa-on" : "home.mfa-off"]))
            + row("home.session", htmlEscape(p["home.session-times", ["since": UTCTime.readable(auth.session.created),
                                                                       "until": UTCTime.readable(expires)]]))
            + "</dl>\n" + Page.links(links)
        return .html(200, p.document(title: p["home.title"], body: body))
    }
}
