import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// `<prefix>/mfa` and below: the second factor.
/// - `/mfa`: a browser between its password and its second factor gets the
///   code form (its second-step cookie, not a session); a signed-in person
///   the page that turns it on or off; JSON, the account's state.
/// - `POST /mfa/totp/setup`, `/mfa/totp/confirm`, `/mfa/totp/disable`,
///   `/mfa/recovery-codes`: each needs the step-up window (the core checks).
package struct MFAEndpoint: Endpoint {
    package init() {}
    package let name = "mfa"
    package let methods = ["GET", "POST"]

    enum Action: String {
        case home = ""
        case setup = "/totp/setup"
        case confirm = "/totp/confirm"
        case disable = "/totp/disable"
        case recoveryCodes = "/recovery-codes"

        /// The page takes GET (and, from a browser between password and
        /// code, the code's POST); each action is a POST.
        var methods: [String] { self == .home ? ["GET", "POST"] : ["POST"] }
    }

    static let codeRules = [FieldRule("code", maxLength: 64, secret: true), FieldRule("rd", required: false, maxLength: 2048)]

    func action(_ ctx: RequestContext) throws -> Action {
        guard let action = Self.action(at: ctx.request.path, prefix: ctx.services.site.prefix) else { throw HTTPError.notFound }
        return action
    }

    static func action(at path: String, prefix: String) -> Action? {
        let base = prefix + "/mfa"
        return path.hasPrefix(base) ? Action(rawValue: String(path.dropFirst(base.count))) : nil
    }

    /// An unknown path below /mfa is a 404 whatever its method.
    package func methods(at path: String, prefix: String) -> [String] {
        Self.action(at: path, prefix: prefix)?.methods ?? methods
    }

    package func handle(_ ctx: RequestContext) throws -> Response {
        let action = try action(ctx)
        if action == .home, let ticket = ctx.request.cookies[Authentication.secondStepCookieName(ctx)],
           case .absent = ctx.request.authorization, !hasWorkingSession(ctx) {
            return try SecondStepForm.handle(ctx, ticket: ticket)
        }
        if ctx.request.method == "GET" {
            let auth = try (ctx.html ? Authentication.requireForPage(ctx) : Authentication.require(ctx)).auth
            return ctx.html ? MFAPages.settings(ctx, auth) : .json(200, Self.state(auth.user))
        }
        let auth = try Authentication.require(ctx).auth
        let accounts = ctx.accounts
        switch action {
        case .home:
            // A post without a second step under way.
            throw RequestError.notAuthenticated
        case .setup:
            let enrolment = try accounts.beginTOTP(auth, issuer: ctx.services.site.name)
            if ctx.html { return MFAPages.enrol(ctx, auth, enrolment) }
            return .json(200, .object([("secret", .string(enrolment.secret)), ("otpauth_uri", .string(enrolment.uri))]),
                         headers: [("Pragma", "no-cache")])
        case .confirm:
            let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: Self.codeRules)
            let codes = try accounts.confirmTOTP(fields["code"]!, auth, client: ctx.client)
            return recoveryCodes(ctx, codes, message: "Second factor enabled")
        case .disable:
            try accounts.disableTOTP(auth, client: ctx.client)
            if ctx.html { return .redirect(to: ctx.url(name) + "?notice=mfa-disabled") }
            return .json(200, .object([("msg", .string("Second factor disabled"))]))
        case .recoveryCodes:
            return recoveryCodes(ctx, try accounts.regenerateRecoveryCodes(auth, client: ctx.client), message: "New recovery codes made")
        }
    }

    /// A signed-in browser that comes back to /mfa is not taking a second step.
    func hasWorkingSession(_ ctx: RequestContext) -> Bool {
        guard let token = ctx.request.cookies[Authentication.cookieName(ctx)] else { return false }
        return (try? ctx.accounts.authenticate(token: token)) != nil
    }

    func recoveryCodes(_ ctx: RequestContext, _ codes: [String], message: String) -> Response {
        if ctx.html { return MFAPages.recoveryCodes(ctx, codes) }
        return .json(200, .object([("msg", .string(message)), ("recovery_codes", .array(codes.map { .string($0) }))]),
                     headers: [("Pragma", "no-cache")])
    }

    /// The account's second factor, as `GET /mfa` and `me` show it.
    static func state(_ user: UserRecord) -> JSONValue {
        .object([("totp", .bool(user.secondFactor.enabled)),
                 ("recovery_codes_left", .int(user.secondFactor.enabled ? user.secondFactor.recoveryCodesLeft : 0))])
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", let action = try? action(ctx) else { return nil }
        if action == .home, let ticket = ctx.request.cookies[Authentication.secondStepCookieName(ctx)] {
            return SecondStepForm.retry(ctx, ticket: ticket, error: error)
        }
        // A wrong code from the app: the enrolment page again, with the
        // secret still awaiting it.
        guard action == .confirm, error.status != 401,
              let auth = (try? Authentication.require(ctx))?.auth,
              let enrolment = ctx.accounts.pendingTOTP(auth, issuer: ctx.services.site.name) else { return nil }
        return MFAPages.enrol(ctx, auth, enrolment, message: ctx.page.explain(error), status: error.status)
    }
}
