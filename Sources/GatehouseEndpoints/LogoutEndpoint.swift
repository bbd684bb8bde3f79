import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// POST /logout: revokes the session that made the request.
public struct LogoutEndpoint: Endpoint {
    public init() {}
    public let name = "logout"
    public let methods = ["GET", "POST"]

    public func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            let (auth, _) = try Authentication.requireForPage(ctx)
            return .html(200, ctx.pages.form(title: "Sign out", action: ctx.url(name), fields: [
                FormField("csrf_token", label: "", type: "hidden", value: ctx.accounts.csrfToken(forSessionToken: auth.token)),
            ], submit: "Sign out"))
        }
        let (auth, via) = try Authentication.require(ctx)
        try ctx.accounts.logout(auth)
        if via == .cookie || ctx.html {
            if ctx.html {
                return .redirect(to: ctx.url("token"), headers: [Authentication.clearCookie(ctx)])
            }
            return .json(200, .object([("msg", .string("Logged out"))]), headers: [Authentication.clearCookie(ctx)])
        }
        return .json(200, .object([("msg", .string("Logged out"))]))
    }
}
