import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// `<prefix>/sessions`: the person's own sessions (started, last used,
/// address, browser, how each was proved, this one marked), and
/// `POST <prefix>/sessions/revoke` with `{"id": …}` or `{"others": true}`.
/// Ending any session but this one needs the step-up window.
/// `<prefix>/sessions/not-me`: `{"token"}` from the mail about a sign-in
/// from a new device ends that session and answers like a password reset.
package struct SessionsEndpoint: Endpoint {
    package init() {}
    package let name = "sessions"
    package let methods = ["GET", "POST"]

    static let rules = [FieldRule("id", required: false, maxLength: 64)]

    /// The list is a GET, ending one a POST to /revoke.
    package func methods(at path: String, prefix: String) -> [String] {
        path == prefix + "/sessions/revoke" ? ["POST"] : path == prefix + "/sessions" ? ["GET"] : methods
    }

    var notMePath: String { name + "/not-me" }
    var notMeForm: MailedCodeForm { MailedCodeForm(path: notMePath, texts: "notme", label: "field.not-me-code") }

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.path == ctx.url(notMePath) {
            return try notMeForm.handle(ctx) { token, _ in
                let grant = try ctx.accounts.notMe(token, client: ctx.client)
                return Authentication.resetGrantResponse(ctx, grant, message: ("msg", .string("That session ended; set a new password")))
            }
        }
        let revoke = ctx.request.path == ctx.url(name) + "/revoke"
        guard revoke || ctx.request.path == ctx.url(name) else { throw HTTPError.notFound }
        if !revoke {
            let auth = try (ctx.html ? Authentication.requireForPage(ctx) : Authentication.require(ctx)).auth
            let list = try ctx.accounts.sessions(of: auth)
            return ctx.html ? page(ctx, auth, list) : .json(200, .object([("sessions", .array(list.map(Self.json)))]))
        }
        let caller = try Authentication.require(ctx)
        let auth = caller.auth
        let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.rules)
        if try others(ctx) {
            let ended = try ctx.accounts.endOtherSessions(auth, client: ctx.client)
            if ctx.html { return .redirect(to: ctx.url(name) + "?notice=sessions-ended") }
            return .json(200, .object([("msg", .string("Other sessions ended")), ("ended", .int(ended))]))
        }
        guard let id = fields["id"] else {
            throw HTTPError.validation([ValidationIssue(type: "missing", loc: [.string("body"), .string("id")],
                                                        msg: "Field required", input: .null)])
        }
        let ended = try ctx.accounts.endSession(id, auth, client: ctx.client)
        if ended == .none { throw HTTPError.detail(404, "No such session") }
        if ended == .this {
            // This very session: signed out, like logout.
            let clear = caller.via == .cookie ? [Authentication.clearCookie(ctx)] : []
            if ctx.html { return .redirect(to: ctx.url("token") + "?notice=signed-out", headers: clear) }
            return .json(200, .object([("msg", .string("Session ended"))]), headers: clear)
        }
        if ctx.html { return .redirect(to: ctx.url(name) + "?notice=session-ended") }
        return .json(200, .object([("msg", .string("Session ended"))]))
    }

    /// `"others": true` (JSON) or `others=true` (a form); anything else
    /// there is refused rather than read as false.
    func others(_ ctx: RequestContext) throws -> Bool {
        switch ctx.body.value?["others"] {
        case nil, .bool(false)?: return false
        case .bool(true)?, .string("true")?: return true
        case let other?:
            throw HTTPError.validation([ValidationIssue(type: "bool_type", loc: [.string("body"), .string("others")],
                                                        msg: "Input should be a valid boolean", input: other)])
        }
    }

    static func json(_ s: Accounts.SessionView) -> JSONValue {
        .object([
            ("id", .string(s.id)), ("current", .bool(s.current)),
            ("created", .string(UTCTime.rfc3339(s.record.created))), ("last_used", .string(UTCTime.rfc3339(s.record.lastSeen))),
            ("client_ip", .string(s.record.clientIP)), ("browser", .string(s.record.browser.isEmpty ? "unknown" : s.record.browser)),
            ("factors", .array(s.record.factors.map { .string($0.rawValue) })),
        ])
    }

    func page(_ ctx: RequestContext, _ auth: Authenticated, _ list: [Accounts.SessionView]) -> Response {
        let p = ctx.page
        let csrf = Authentication.csrfField(ctx, auth)
        var body = Page.notice(ctx.notice) + "<p>\(htmlEscape(p["sessions.intro"]))</p>\n<ul class=\"sessions\">\n"
        for s in list {
            let r = s.record
            let browser = r.browser.isEmpty || r.browser == "unknown" ? p["sessions.unknown-browser"] : r.browser
            let details = p["sessions.details", ["since": UTCTime.readable(r.created), "used": UTCTime.readable(r.lastSeen),
                                                 "address": r.clientIP.isEmpty ? "?" : r.clientIP]]
            let marker = s.current ? " <span class=\"badge ok\">\(htmlEscape(p["sessions.this-one"]))</span>" : ""
            body += "<li>\n<p><strong>\(htmlEscape(browser))</strong>\(marker)</p>\n<p>\(htmlEscape(details))</p>\n"
            if !s.current {
                body += p.button(action: ctx.url("sessions/revoke"), fields: csrf + [.hidden("id", s.id)], label: p["sessions.end"])
            }
            body += "</li>\n"
        }
        body += "</ul>\n"
        if list.count > 1 {
            body += p.button(action: ctx.url("sessions/revoke"), fields: csrf + [.hidden("others", "true")], label: p["sessions.end-others"])
        }
        body += Page.links([ctx.wayBack(signedIn: true)])
        return .html(200, p.document(title: p["sessions.title"], body: body))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", ctx.request.path == ctx.url(notMePath), error.status != 401 else { return nil }
        return notMeForm.failed(error, ctx)
    }
}
