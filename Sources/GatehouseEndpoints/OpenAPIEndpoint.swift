import GatehouseHTTP
import GatehouseJSON

/// GET /openapi.json: the JSON API described for this site (OpenAPIDocument).
/// It depends on the configuration alone, so every worker answers alike.
package struct OpenAPIEndpoint: Endpoint {
    package init() {}
    package let name = "openapi.json"
    package let methods = ["GET"]

    package func handle(_ ctx: RequestContext) throws -> Response {
        .json(200, OpenAPIDocument.make(site: ctx.services.site, policy: ctx.accounts.policy))
    }
}
