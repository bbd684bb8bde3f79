import GatehouseCore
import GatehouseFastCGI
import GatehouseHTTP
import Logging

/// Adapts an `Endpoint` to the runtime: method check, body decoding,
/// negotiation, and the one place where errors become responses.
public struct EndpointResponder<E: Endpoint>: Responder {
    let endpoint: E
    let services: Services

    public init(_ endpoint: E, services: Services) {
        self.endpoint = endpoint
        self.services = services
    }

    public mutating func respond(to raw: RawRequest) -> [UInt8] {
        handle(Request(params: raw.params, body: raw.body, bodyTooLarge: raw.bodyTooLarge,
                       bodyIncomplete: raw.bodyIncomplete)).serialized()
    }

    /// Mail goes out only once the answer is complete, so its content and
    /// timing never depend on the mail server.
    public mutating func afterResponse() {
        services.mail.deliverQueued()
    }

    public func handle(_ request: Request) -> Response {
        var ctx = RequestContext(request: request, body: DecodedBody(encoding: .none, value: nil),
                                 html: wantsHTML(request, encoding: .none, formImpliesHTML: endpoint.formImpliesHTML),
                                 services: services)
        do {
            guard endpoint.methods.contains(request.method) else { throw HTTPError.methodNotAllowed(endpoint.methods) }
            // A body the client did not finish is not a shorter request.
            if request.bodyIncomplete && !request.bodyTooLarge { throw HTTPError.detail(400, "Request body was cut short") }
            if request.queryMalformed { throw HTTPError.malformedQuery }
            let body = try BodyDecoder.decode(request, limit: services.config.maxBodyBytes)
            ctx = RequestContext(request: request, body: body,
                                 html: wantsHTML(request, encoding: body.encoding, formImpliesHTML: endpoint.formImpliesHTML),
                                 services: services)
            return try endpoint.handle(ctx)
        } catch {
            return ErrorResponses.response(for: error, endpoint: endpoint, ctx: ctx)
        }
    }
}

/// Turns any error into a response. Known errors carry their status and
/// body; anything else is logged and becomes a 500 that says nothing.
public enum ErrorResponses {
    public static func httpError(_ error: Error, logger: Logger) -> HTTPError {
        switch error {
        case let e as HTTPError:
            return e
        case let e as AccountError:
            return map(e)
        default:
            logger.error("internal error: \(String(describing: error))")
            return HTTPError.detail(500, "Internal Server Error")
        }
    }

    static func map(_ e: AccountError) -> HTTPError {
        switch e {
        case .notAuthenticated: return .notAuthenticated
        case .invalidCredentials: return .oauth("invalid_grant", "Invalid username or password")
        case .accountLocked:
            return .detail(403, "Account locked; reset the password with a code sent by e-mail, or ask the site administrator")
        case .throttled(let wait): return .tooManyRequests("Too many failed attempts; try again later", retryAfter: wait)
        case .tooManyCodeRequests(let wait): return .tooManyRequests("Too many codes requested; try again later", retryAfter: wait)
        case .invalidField(let field, let reason):
            return .validation([ValidationIssue(type: "value_error", loc: [.string("body"), .string(field)],
                                                msg: "Value error, \(reason)", input: FieldValidator.redacted)])
        case .userExists: return .detail(409, "User already exists")
        case .userNotFound, .unknownAddress: return .detail(404, "User not found")
        case .invalidCode: return .detail(403, "Invalid OTP")
        case .wrongPassword: return .detail(403, "Old password is incorrect")
        case .changedMeanwhile: return .detail(409, "The password was changed by another request meanwhile; nothing was changed")
        case .stepUpRequired:
            return .detail(403, "Verify a code sent to your e-mail address first, then change the password")
        case .purposeDisabled(let purpose):
            return .validation([ValidationIssue(type: "value_error", loc: [.string("body"), .string("purpose")],
                                                msg: "Value error, purpose \(purpose) is not enabled on this site",
                                                input: .string(purpose))])
        }
    }

    public static func response<E: Endpoint>(for error: Error, endpoint: E, ctx: RequestContext) -> Response {
        let e = httpError(error, logger: ctx.services.logger)
        // A redirect (to the sign-in page) is an answer in itself.
        guard ctx.html, !(300..<400).contains(e.status) else { return e.response }
        if let page = endpoint.htmlError(e, ctx) { return page }
        var headers = e.response.headers.filter { $0.0 != "Content-Type" }
        headers.removeAll { $0.0 == "Pragma" }
        return ctx.pages.error(status: e.status, message: e.message, headers: headers)
    }
}
