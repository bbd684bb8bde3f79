import GatehouseCore
import GatehouseHTTP
import Logging

/// Runs an `Endpoint` on a request: method check, body decoding,
/// negotiation, and the one place where errors become responses. Pure
/// request in, response out: the FastCGI runtime drives it (through
/// GatehouseResponder), and tests call it in process.
package struct EndpointResponder<E: Endpoint> {
    let endpoint: E
    package let services: Services

    package init(_ endpoint: E, services: Services) {
        self.endpoint = endpoint
        self.services = services
    }

    package func handle(_ request: Request) -> Response {
        // Negotiated once: the Accept header does not change with the body.
        let acceptsHTML = acceptPrefersHTML(request)
        var ctx = RequestContext(request: request, body: DecodedBody(encoding: .none, value: nil), html: acceptsHTML,
                                 services: services)
        if ctx.isHTTPS && !request.isHTTPS { warnOnceAboutPlainHTTP(services.logger) }
        do {
            if endpoint.examinesOnlyCredentials { return try endpoint.handle(ctx) }
            let allowed = endpoint.methods(at: request.path, prefix: services.site.prefix)
            guard allowed.contains(request.method) else { throw HTTPError.methodNotAllowed(allowed) }
            // A body the client did not finish is not a shorter request.
            if request.bodyIncomplete && !request.bodyTooLarge { throw RequestError.bodyCutShort }
            if request.queryMalformed { throw HTTPError.malformedQuery }
            let body = try BodyDecoder.decode(request, limit: services.site.maxBodyBytes)
            ctx = RequestContext(request: request, body: body,
                                 html: wantsHTML(acceptsHTML: acceptsHTML, encoding: body.encoding, formImpliesHTML: endpoint.formImpliesHTML),
                                 services: services)
            return try endpoint.handle(ctx)
        } catch {
            return ErrorResponses.response(for: error, endpoint: endpoint, ctx: ctx)
        }
    }
}

nonisolated(unsafe) private var warnedAboutPlainHTTP = false

/// public_origin says https, yet the server hands us requests it calls
/// plain http: a TLS-terminating proxy that does not pass HTTPS on (cookies
/// and Origin checks follow public_origin, so it works), or the site served
/// over plain http as well (then fix that). Once per process: every request
/// would say the same. Responders serve one request at a time.
private func warnOnceAboutPlainHTTP(_ logger: Logger) {
    guard !warnedAboutPlainHTTP else { return }
    warnedAboutPlainHTTP = true
    logger.warning("public_origin is https, but the server passed a request as plain http (no HTTPS=on): cookies and Origin checks follow public_origin")
}
