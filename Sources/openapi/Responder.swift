import GatehouseEndpoints
import GatehouseResponder

/// `openapi`: the OpenAPI document of every endpoint.
package let responder = ResponderEntry("openapi", OpenAPIEndpoint())
