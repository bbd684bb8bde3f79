import GatehouseEndpoints
import GatehouseFastCGI
import GatehouseHTTP

/// An endpoint on the FastCGI/CGI runtime.
struct FastCGIEndpoint<E: Endpoint>: Responder {
    let endpoint: EndpointResponder<E>

    mutating func respond(to raw: RawRequest) -> [UInt8] {
        endpoint.handle(Request(params: raw.params, body: raw.body, bodyTooLarge: raw.bodyTooLarge,
                                bodyIncomplete: raw.bodyIncomplete)).serialized()
    }

    /// Mail goes out only once the answer is complete, so its content and
    /// timing never depend on the mail server.
    mutating func afterResponse() {
        endpoint.services.afterResponse()
    }
}
