import GatehouseCore
import GatehouseCrypto
import GatehouseHTTP

/// Who is asking: a bearer token (JSON clients) or the session cookie
/// (browsers). Cookie-authenticated writes must also prove they come from
/// our own pages: an acceptable Origin and the session's CSRF token.
public enum Authentication {
    public enum Via: Sendable { case bearer, cookie }

    public static func cookieName(_ ctx: RequestContext) -> String {
        // The __Host- prefix pins the cookie to this host and path / (RFC 6265bis).
        (ctx.request.isHTTPS ? "__Host-" : "") + ctx.services.config.text("cookie_name")
    }

    /// The reset-grant cookie a browser gets from verify-otp; scoped to the
    /// change-password path.
    public static func resetCookieName(_ ctx: RequestContext) -> String {
        (ctx.request.isHTTPS ? "__Secure-" : "") + ctx.services.config.text("cookie_name") + "_reset"
    }

    /// `allowResetGrant`: change-password also accepts a password-reset
    /// grant (bearer or its cookie); every other endpoint refuses it (401).
    public static func require(_ ctx: RequestContext, allowResetGrant: Bool = false) throws -> (Authenticated, Via) {
        if allowResetGrant, case .absent = ctx.request.authorization, let reset = ctx.request.cookies[resetCookieName(ctx)] {
            let auth = try ctx.accounts.authenticate(token: reset, allowResetGrant: true)
            if ctx.request.method != "GET" { try checkOrigin(ctx) }
            return (auth, .cookie)
        }
        switch ctx.request.authorization {
        case .bearer(let token):
            return (try ctx.accounts.authenticate(token: token, allowResetGrant: allowResetGrant), .bearer)
        case .unusable:
            // An Authorization header that is not a bearer token (Basic, or an
            // empty Bearer): refused, even if a cookie is present.
            throw HTTPError.notAuthenticated
        case .absent:
            guard let token = ctx.request.cookies[cookieName(ctx)] else { throw HTTPError.notAuthenticated }
            let auth = try ctx.accounts.authenticate(token: token)
            if ctx.request.method != "GET" && ctx.request.method != "HEAD" {
                try checkOrigin(ctx)
                try checkCSRF(ctx, auth: auth)
            }
            return (auth, .cookie)
        }
    }

    /// Browsers send Origin on every POST; a missing one falls back to Referer.
    public static func checkOrigin(_ ctx: RequestContext) throws {
        let allowed = [ctx.request.ownOrigin] + ctx.services.config.list("allowed_origins")
        if let origin = ctx.request.header("Origin") {
            if allowed.contains(origin) { return }
            ctx.services.logger.notice("cross-origin post refused: origin \(origin), expected one of \(allowed)")
            throw HTTPError.detail(403, "Cross-origin request refused")
        }
        if let referer = ctx.request.header("Referer"),
           allowed.contains(where: { referer == $0 || referer.hasPrefix($0 + "/") }) { return }
        ctx.services.logger.notice("post without Origin or matching Referer refused")
        throw HTTPError.detail(403, "Cross-origin request refused")
    }

    static func checkCSRF(_ ctx: RequestContext, auth: Authenticated) throws {
        let expected = ctx.accounts.csrfToken(forSessionToken: auth.token)
        var sent = ctx.request.header("X-CSRF-Token")
        if sent == nil, case .object(let m)? = ctx.body.value, case .string(let s)? = m.last(where: { $0.0 == "csrf_token" })?.1 {
            sent = s
        }
        guard let sent, constantTimeEqual(sent, expected) else {
            throw HTTPError.detail(403, "Missing or invalid CSRF token")
        }
    }

    public static func sessionCookie(_ ctx: RequestContext, token: String, maxAge: Int) -> (String, String) {
        ("Set-Cookie", "\(cookieName(ctx))=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Lax")
    }

    public static func clearCookie(_ ctx: RequestContext) -> (String, String) {
        ("Set-Cookie", "\(cookieName(ctx))=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
    }

    public static func resetCookie(_ ctx: RequestContext, token: String, maxAge: Int) -> (String, String) {
        ("Set-Cookie", "\(resetCookieName(ctx))=\(token); Path=\(ctx.url("change-password")); Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict")
    }

    public static func clearResetCookie(_ ctx: RequestContext) -> (String, String) {
        ("Set-Cookie", "\(resetCookieName(ctx))=; Path=\(ctx.url("change-password")); Max-Age=0; HttpOnly; Secure; SameSite=Strict")
    }

    /// Optional authentication (send-otp, verify-otp): nil when the request
    /// carries no credentials at all; a bad credential is still a 401.
    public static func optional(_ ctx: RequestContext) throws -> (Authenticated, Via)? {
        if case .absent = ctx.request.authorization, ctx.request.cookies[cookieName(ctx)] == nil { return nil }
        return try require(ctx)
    }

    /// The hidden CSRF field for forms shown to a cookie session.
    public static func csrfField(_ ctx: RequestContext, _ auth: Authenticated?) -> [FormField] {
        guard let auth else { return [] }
        return [FormField("csrf_token", label: "", type: "hidden", value: ctx.accounts.csrfToken(forSessionToken: auth.token))]
    }
}
