import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehousePages
import GatehouseSystem

/// `<prefix>/delete-account`: the signed-in person leaves (step-up
/// window). Every session ends at once; the account goes for good after
/// `deletion_grace`. `<prefix>/delete-account/restore`: `{"token"}` from
/// the mail sent then brings it back within the grace.
package struct DeleteAccountEndpoint: Endpoint {
    package init() {}
    package let name = "delete-account"
    package let methods = ["GET", "POST"]
    package let sendsMail = true

    var restorePath: String { name + "/restore" }
    var restoreForm: MailedCodeForm { MailedCodeForm(path: restorePath, texts: "delete.restore", label: "field.restore-code") }

    package func handle(_ ctx: RequestContext) throws -> Response {
        switch ctx.request.path {
        case ctx.url(name):
            let auth = ctx.request.method == "GET" ? try Authentication.requireForPage(ctx).auth : try Authentication.require(ctx).auth
            return try ctx.request.method == "GET" ? form(ctx, auth: auth) : delete(ctx, auth: auth)
        case ctx.url(restorePath):
            return try restoreForm.handle(ctx) { token, visitor in
                try ctx.accounts.restoreAccount(token, client: ctx.client)
                return ctx.html ? .redirect(to: ctx.url("token") + "?notice=account-restored", headers: visitor.headers)
                    : .json(200, .object([("msg", .string("The account was restored; sign in again"))]))
            }
        default: throw HTTPError.notFound
        }
    }

    func delete(_ ctx: RequestContext, auth: Authenticated) throws -> Response {
        let until = try ctx.accounts.requestDeletion(auth, client: ctx.client)
        if ctx.html { return .redirect(to: ctx.url("token") + "?notice=account-deleted", headers: [Authentication.clearCookie(ctx)]) }
        return .json(200, .object([("msg", .string("The account will be deleted; every session has ended")),
                                   ("delete_after", .string(UTCTime.rfc3339(until)))]))
    }

    func form(_ ctx: RequestContext, auth: Authenticated, message: String? = nil, status: Int = 200) -> Response {
        let p = ctx.page
        let days = String(ctx.accounts.policy.deletionGrace / 86_400)
        return .html(status, p.form(title: p["delete.title"], intro: p["delete.intro", ["days": days]], action: ctx.url(name),
                                    fields: Authentication.csrfField(ctx, auth), submit: p["delete.submit"], message: message,
                                    links: [PageLink(p["delete.export"], ctx.url("export")), ctx.wayBack(signedIn: true)]))
    }

    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST", error.status != 401 else { return nil }
        if ctx.request.path == ctx.url(restorePath) { return restoreForm.failed(error, ctx) }
        guard let auth = (try? Authentication.require(ctx))?.auth else { return nil }
        return form(ctx, auth: auth, message: ctx.page.explain(error), status: error.status)
    }
}
