import GatehouseCore
import GatehouseCrypto
import GatehouseHTTP
import GatehouseJSON
import GatehousePages

/// Who is asking: a bearer token (JSON clients) or the session cookie
/// (browsers). Cookie-authenticated writes must also prove they come from
/// our own pages: an acceptable Origin and the session's CSRF token.
enum Authentication {
    enum Via: Sendable { case bearer, cookie }

    /// Who is asking, and how they proved it.
    struct Caller {
        let auth: Authenticated
        let via: Via
    }

    /// The session cookie's name. Over HTTPS the __Host- prefix pins it to
    /// this host and path / (RFC 6265bis); with `cookie_domain` it is shared
    /// with the subdomains instead, and __Secure- still keeps a plain-HTTP
    /// page from setting it.
    static func cookieName(_ ctx: RequestContext) -> String {
        guard ctx.isHTTPS else { return ctx.services.site.cookieName }
        return (ctx.services.site.cookieDomain.isEmpty ? "__Host-" : "__Secure-") + ctx.services.site.cookieName
    }

    /// The reset-grant cookie a browser gets from verify-otp. Always this
    /// host's alone (`__Host-` over HTTPS, so no sibling subdomain can plant
    /// one), path /.
    static func resetCookieName(_ ctx: RequestContext) -> String {
        (ctx.isHTTPS ? "__Host-" : "") + ctx.services.site.cookieName + "_reset"
    }

    /// The second-step ticket a browser gets between the password and the
    /// second factor: this host's alone, like the reset grant's.
    static func secondStepCookieName(_ ctx: RequestContext) -> String {
        (ctx.isHTTPS ? "__Host-" : "") + ctx.services.site.cookieName + "_mfa"
    }

    static func secondStepCookie(_ ctx: RequestContext, token: String, maxAge: Int) -> (String, String) {
        hostOnlyCookie(secondStepCookieName(ctx), token, maxAge: maxAge)
    }

    static func clearSecondStepCookie(_ ctx: RequestContext) -> (String, String) {
        hostOnlyCookie(secondStepCookieName(ctx), "", maxAge: 0)
    }

    /// A grant's or ticket's cookie: this host's, never sent cross-site.
    static func hostOnlyCookie(_ name: String, _ value: String, maxAge: Int) -> (String, String) {
        ("Set-Cookie", "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict")
    }

    /// The second factor a sign-in request offers: `mfa_code`, else a
    /// second step for a browser, else none (a JSON client).
    static func secondFactorAnswer(_ ctx: RequestContext, _ fields: ValidFields) -> SecondFactorAnswer {
        fields["mfa_code"].map { SecondFactorAnswer.code($0) } ?? (ctx.html ? .later : .missing)
    }

    /// Where a sign-in went on to: the session (its cookie, on to `rd`), or
    /// the second step (its ticket, on to the code form, `rd` kept).
    static func signedIn(_ ctx: RequestContext, _ outcome: SignInOutcome) -> Response {
        switch outcome {
        case .opened(let opened):
            let next = opened.passwordBreached ? BreachedPasswordNotice.changePasswordPage(ctx)
                : ctx.returnURL ?? ctx.services.site.signinRedirect
            return .redirect(to: next, headers: [sessionCookie(ctx, token: opened.token, maxAge: opened.expiresIn)])
        case .secondStep(let ticket):
            return .redirect(to: ctx.url("mfa") + (ctx.returnURL.map { "?rd=" + FormDecoding.escape($0) } ?? ""),
                             headers: [secondStepCookie(ctx, token: ticket.token, maxAge: ticket.expiresIn)])
        }
    }

    /// `allowResetGrant`: change-password also accepts a password-reset
    /// grant (bearer or its cookie); every other endpoint refuses it (401).
    /// A reset cookie never overrides a session: it is looked at only when
    /// the request has no working session cookie, and a post with it needs
    /// an acceptable Origin and the CSRF token bound to the grant.
    static func require(_ ctx: RequestContext, allowResetGrant: Bool = false) throws -> Caller {
        switch ctx.request.authorization {
        case .bearer(let token):
            return Caller(auth: try ctx.accounts.authenticate(token: token, allowResetGrant: allowResetGrant), via: .bearer)
        case .unusable:
            // An Authorization header that is not a bearer token (Basic, or an
            // empty Bearer): refused, even if a cookie is present.
            throw RequestError.notAuthenticated
        case .absent:
            let cookies = ctx.request.cookies
            var failure: Error = RequestError.notAuthenticated
            if let token = cookies[cookieName(ctx)] {
                do {
                    return Caller(auth: try cookieAuthenticated(ctx, token: token, allowResetGrant: false), via: .cookie)
                } catch AccountError.notAuthenticated {
                    failure = AccountError.notAuthenticated
                }
            }
            if allowResetGrant, let grant = cookies[resetCookieName(ctx)] {
                return Caller(auth: try cookieAuthenticated(ctx, token: grant, allowResetGrant: true), via: .cookie)
            }
            throw failure
        }
    }

    /// For the pages that need a session (the change-password and sign-out
    /// forms): a browser without a working one is sent to sign in, and a
    /// dead session cookie is cleared, rather than shown a 401.
    static func requireForPage(_ ctx: RequestContext, allowResetGrant: Bool = false) throws -> Caller {
        do {
            return try require(ctx, allowResetGrant: allowResetGrant)
        } catch let e where ctx.html && isNotAuthenticated(e) {
            throw RequestError.signInFirst(clearCookie: ctx.request.cookies[cookieName(ctx)] != nil)
        }
    }

    static func isNotAuthenticated(_ e: Error) -> Bool {
        (e as? AccountError) == .notAuthenticated || (e as? RequestError) == .notAuthenticated
    }

    /// A cookie's session or grant; writes through a cookie must prove they
    /// come from our own pages.
    static func cookieAuthenticated(_ ctx: RequestContext, token: String, allowResetGrant: Bool) throws -> Authenticated {
        let auth = try ctx.accounts.authenticate(token: token, allowResetGrant: allowResetGrant)
        if ctx.request.method != "GET" && ctx.request.method != "HEAD" {
            try checkOrigin(ctx)
            try checkCSRF(ctx, auth: auth)
        }
        return auth
    }

    /// Browsers send Origin on every POST; a missing one falls back to
    /// Referer. `requireHeader: false` is for posts that carry no credentials
    /// (send-otp, verify-otp without a session): a client that sends neither
    /// header is not a browser, so no other site can be speaking through it.
    static func checkOrigin(_ ctx: RequestContext, requireHeader: Bool = true) throws {
        let allowed = [ctx.ownOrigin] + ctx.services.site.allowedOrigins
        if ctx.request.header("Sec-Fetch-Site") == "cross-site" {
            ctx.services.logger.notice("cross-site post refused (Sec-Fetch-Site)")
            throw RequestError.crossOrigin
        }
        if let origin = ctx.request.header("Origin") {
            if allowed.contains(origin) { return }
            ctx.services.logger.notice("cross-origin post refused: origin \(origin), expected one of \(allowed)")
            throw RequestError.crossOrigin
        }
        if let referer = ctx.request.header("Referer") {
            if allowed.contains(where: { referer == $0 || referer.hasPrefix($0 + "/") }) { return }
        } else if !requireHeader {
            return
        }
        ctx.services.logger.notice("post without Origin or matching Referer refused")
        throw RequestError.crossOrigin
    }

    static func checkCSRF(_ ctx: RequestContext, auth: Authenticated) throws {
        let expected = ctx.accounts.csrfToken(forSessionToken: auth.token)
        var sent = ctx.request.header("X-CSRF-Token")
        if sent == nil, case .object(let m)? = ctx.body.value, case .string(let s)? = m.last(where: { $0.0 == "csrf_token" })?.1 {
            sent = s
        }
        guard let sent, constantTimeEqual(sent, expected) else {
            throw RequestError.csrf
        }
    }

    static func sessionCookie(_ ctx: RequestContext, token: String, maxAge: Int) -> (String, String) {
        ("Set-Cookie", "\(cookieName(ctx))=\(token); Path=/\(domainAttribute(ctx)); Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Lax")
    }

    /// Clearing must name the same Domain, or the browser keeps the shared cookie.
    static func clearCookie(_ ctx: RequestContext) -> (String, String) {
        ("Set-Cookie", "\(cookieName(ctx))=; Path=/\(domainAttribute(ctx)); Max-Age=0; HttpOnly; Secure; SameSite=Lax")
    }

    static func domainAttribute(_ ctx: RequestContext) -> String {
        ctx.services.site.cookieDomain.isEmpty ? "" : "; Domain=" + ctx.services.site.cookieDomain
    }

    /// A password-reset grant given (verify-otp's reset, an address change
    /// undone): a browser goes to the change-password form with it in a
    /// cookie; a JSON client gets it as `reset_token`.
    static func resetGrantResponse(_ ctx: RequestContext, _ grant: OpenedSession, message: (String, JSONValue)) -> Response {
        if ctx.html {
            return .redirect(to: ctx.url("change-password"), headers: [resetCookie(ctx, token: grant.token, maxAge: grant.expiresIn)])
        }
        return .json(200, .object([message, ("reset_token", .string(grant.token)), ("expires_in", .int(grant.expiresIn))]),
                     headers: [("Pragma", "no-cache")])
    }

    static func resetCookie(_ ctx: RequestContext, token: String, maxAge: Int) -> (String, String) {
        hostOnlyCookie(resetCookieName(ctx), token, maxAge: maxAge)
    }

    static func clearResetCookie(_ ctx: RequestContext) -> (String, String) {
        hostOnlyCookie(resetCookieName(ctx), "", maxAge: 0)
    }

    /// Who is asking where a session is welcome but not needed (send-otp,
    /// verify-otp and their forms).
    struct Visitor {
        let session: Caller?
        /// Clears a session cookie that no longer works.
        let headers: [(String, String)]

        /// A browser post without a session (it may send a code, hand out a
        /// reset grant, sign someone in) must come from our own pages: another
        /// site must not be able to make a browser send it.
        func requireOwnSiteIfAnonymous(_ ctx: RequestContext) throws {
            if session == nil && ctx.html { try checkOrigin(ctx, requireHeader: false) }
        }
    }

    /// A session cookie that no longer works (expired, revoked) counts as
    /// none and is cleared: a browser left signed in overnight can still ask
    /// for a reset code. A bad bearer token is still a 401.
    static func optional(_ ctx: RequestContext) throws -> Visitor {
        guard case .absent = ctx.request.authorization else { return Visitor(session: try require(ctx), headers: []) }
        guard let token = ctx.request.cookies[cookieName(ctx)] else { return Visitor(session: nil, headers: []) }
        do {
            return Visitor(session: Caller(auth: try cookieAuthenticated(ctx, token: token, allowResetGrant: false), via: .cookie), headers: [])
        } catch AccountError.notAuthenticated {
            return Visitor(session: nil, headers: [clearCookie(ctx)])
        }
    }

    /// The hidden CSRF field for forms shown to a cookie session or grant.
    static func csrfField(_ ctx: RequestContext, _ auth: Authenticated?) -> [FormField] {
        guard let auth else { return [] }
        return [FormField("csrf_token", label: "", type: "hidden", value: ctx.accounts.csrfToken(forSessionToken: auth.token))]
    }
}
