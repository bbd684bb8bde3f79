import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// `<prefix>/passkeys` and below, in WebAuthn's own JSON encodings (Level
/// 3), so that any WebAuthn client library works:
/// - `GET /passkeys`: the person's passkeys (a page, or JSON);
/// - `POST /passkeys/register/options` → creation options (session, step-up);
/// - `POST /passkeys/register`: a registration response (and `name`);
/// - `POST /passkeys/login/options` → request options (no session);
/// - `POST /passkeys/login`: an assertion → the same answer as `/token`;
/// - `POST /passkeys/remove` (`id`, step-up), `/passkeys/rename` (`id`, `name`).
/// A browser's form sends the response as the field `credential` (the
/// page's script fills it), a JSON client as the body itself.
package struct PasskeysEndpoint: Endpoint {
    package init() {}
    package let name = "passkeys"
    package let methods = ["GET", "POST"]

    enum Action: String {
        case home = ""
        case registerOptions = "/register/options"
        case register = "/register"
        case loginOptions = "/login/options"
        case login = "/login"
        case remove = "/remove"
        case rename = "/rename"

        var methods: [String] { self == .home ? ["GET"] : ["POST"] }
    }

    static let nameRule = FieldRule("name", required: false, maxLength: 64)
    static let idRule = FieldRule("id", maxLength: 1400)

    static func action(at path: String, prefix: String) -> Action? {
        let base = prefix + "/passkeys"
        return path.hasPrefix(base) ? Action(rawValue: String(path.dropFirst(base.count))) : nil
    }

    package func methods(at path: String, prefix: String) -> [String] {
        Self.action(at: path, prefix: prefix)?.methods ?? methods
    }

    /// Sign-in answers as /token does, errors included (OAuth's shape).
    package func errorDialect(at path: String, prefix: String) -> ErrorDialect {
        Self.action(at: path, prefix: prefix) == .login ? .oauth2 : .fastAPI
    }

    package func handle(_ ctx: RequestContext) throws -> Response {
        guard let action = Self.action(at: ctx.request.path, prefix: ctx.services.site.prefix) else { throw HTTPError.notFound }
        let accounts = ctx.accounts
        switch action {
        case .home:
            let auth = try (ctx.html ? Authentication.requireForPage(ctx) : Authentication.require(ctx)).auth
            if ctx.html { return PasskeyPages.list(ctx, auth) }
            return .json(200, .object([("passkeys", .array(auth.user.passkeys.map(Self.json)))]))
        case .registerOptions:
            return .json(200, try accounts.passkeyCreationOptions(try Authentication.require(ctx).auth), headers: [("Pragma", "no-cache")])
        case .register:
            let auth = try Authentication.require(ctx).auth
            let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: [Self.nameRule])
            let passkey = try accounts.registerPasskey(auth, response: try Self.response(ctx), name: fields["name"] ?? "", client: ctx.client)
            if ctx.html { return .redirect(to: ctx.url(name) + "?notice=passkey-added") }
            return .json(200, .object([("msg", .string("Passkey added")), ("passkey", Self.json(passkey))]))
        case .loginOptions:
            return .json(200, try accounts.passkeyRequestOptions(), headers: [("Pragma", "no-cache")])
        case .login:
            if ctx.html { try Authentication.checkOrigin(ctx) }
            let opened = try accounts.signInWithPasskey(try Self.response(ctx), client: ctx.client)
            if ctx.html { return Authentication.signedIn(ctx, .opened(opened)) }
            return .json(200, .object([("access_token", .string(opened.token)), ("token_type", .string("bearer")),
                                       ("expires_in", .int(opened.expiresIn))]), headers: [("Pragma", "no-cache")])
        case .remove:
            let auth = try Authentication.require(ctx).auth
            let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: [Self.idRule])
            try accounts.removePasskey(auth, id: fields["id"]!, client: ctx.client)
            if ctx.html { return .redirect(to: ctx.url(name) + "?notice=passkey-removed") }
            return .json(200, .object([("msg", .string("Passkey removed"))]))
        case .rename:
            let auth = try Authentication.require(ctx).auth
            let fields = try FieldValidator.validate(ctx.body.value, query: [], rules: [Self.idRule, Self.nameRule])
            try accounts.renamePasskey(auth, id: fields["id"]!, name: fields["name"] ?? "")
            if ctx.html { return .redirect(to: ctx.url(name) + "?notice=passkey-renamed") }
            return .json(200, .object([("msg", .string("Passkey renamed"))]))
        }
    }

    /// The WebAuthn response: a form's `credential` field (JSON text), or
    /// a JSON body that is the response itself. Anything else is a
    /// response not accepted, answered as one that failed a check.
    static func response(_ ctx: RequestContext) throws -> JSONValue {
        let json: JSONValue?
        if ctx.body.encoding == .form {
            guard case .string(let text)? = ctx.body.value?["credential"] else { throw AccountError.passkeyRefused }
            json = try? JSONParser.parse(Array(text.utf8))
        } else {
            json = ctx.body.value
        }
        guard let json, case .object = json else { throw AccountError.passkeyRefused }
        return json
    }

    static func json(_ p: Passkey) -> JSONValue {
        .object([("id", .string(p.id)), ("name", .string(p.name)), ("created", .string(UTCTime.rfc3339(p.created))),
                 ("last_used", p.lastUsed == 0 ? .null : .string(UTCTime.rfc3339(p.lastUsed))),
                 ("synced", .bool(p.backupEligible))])
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", let action = Self.action(at: ctx.request.path, prefix: ctx.services.site.prefix) else {
            return nil
        }
        if action == .login {
            return ctx.page.error(status: error.status, message: ctx.page.explain(error), links: [ctx.wayBack(signedIn: false)])
        }
        guard error.status != 401, let auth = (try? Authentication.require(ctx))?.auth else { return nil }
        return PasskeyPages.list(ctx, auth, message: ctx.page.explain(error), status: error.status)
    }
}
