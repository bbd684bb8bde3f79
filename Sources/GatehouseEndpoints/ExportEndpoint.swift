import GatehouseCore
import GatehouseHTTP
import GatehouseJSON

/// `GET <prefix>/export` (step-up window): the signed-in person's data as
/// a JSON download, for a browser and a JSON client alike.
package struct ExportEndpoint: Endpoint {
    package init() {}
    package let name = "export"
    package let methods = ["GET"]

    package func handle(_ ctx: RequestContext) throws -> Response {
        let auth = try Authentication.requireForPage(ctx).auth
        let export = try ctx.accounts.exportAccount(auth, client: ctx.client)
        return .json(200, export, headers: [
            ("Content-Disposition", "attachment; filename=\"account-export.json\""),
            ("Cache-Control", "no-store"),
        ])
    }
}
