import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// POST /logout: revokes the session that made the request.
package struct LogoutEndpoint: Endpoint {
    package init() {}
    package let name = "logout"
    package let methods = ["GET", "POST"]

    package func handle(_ ctx: RequestContext) throws -> Response {
        if ctx.request.method == "GET" {
            let auth = try Authentication.requireForPage(ctx).auth
            let p = ctx.page
            return .html(200, p.form(title: p["signout.title"], intro: p["signout.intro"], action: ctx.url(name),
                                     fields: Authentication.csrfField(ctx, auth), submit: p["signout.submit"],
                                     links: [ctx.wayBack(signedIn: true)]))
        }
        let caller = try Authentication.require(ctx)
        let auth = caller.auth, via = caller.via
        try ctx.accounts.logout(auth)
        if via == .cookie || ctx.html {
            if ctx.html {
                return .redirect(to: ctx.url("token") + "?notice=signed-out", headers: [Authentication.clearCookie(ctx)])
            }
            return .json(200, .object([("msg", .string("Logged out"))]), headers: [Authentication.clearCookie(ctx)])
        }
        return .json(200, .object([("msg", .string("Logged out"))]))
    }
}
