import GatehouseHTTP
import GatehouseJSON

/// GET /openapi.json: the JSON API described for this site (OpenAPIDocument).
/// It depends on the configuration alone, so every worker answers alike.
public struct OpenAPIEndpoint: Endpoint {
    public init() {}
    public let name = "openapi.json"
    public let methods = ["GET"]

    public func handle(_ ctx: RequestContext) throws -> Response {
        .json(200, OpenAPIDocument.make(site: ctx.services.site, policy: ctx.accounts.policy))
    }
}
