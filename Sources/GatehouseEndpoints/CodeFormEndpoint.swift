import GatehouseCore
import GatehouseHTTP

/// send-otp and verify-otp share their form's shape (address, purpose,
/// code) and so the way a failed browser post is shown again.
protocol CodeFormEndpoint: Endpoint {
    func form(_ ctx: RequestContext, auth: Authenticated?, email: String, purpose: String, message: String?,
              issues: [ValidationIssue], status: Int) -> Response
}

extension CodeFormEndpoint {
    package func htmlError(_ error: HTTPError, _ ctx: RequestContext) -> Response? {
        guard ctx.request.method == "POST" else { return nil }
        let visitor = try? Authentication.optional(ctx)
        var page = form(ctx, auth: visitor?.session?.auth, email: ctx.bodyText("email"), purpose: ctx.bodyText("purpose"),
                        message: ctx.page.explain(error), issues: error.issues, status: error.status)
        page.headers += error.response.headers.filter { $0.0 == "Retry-After" } + (visitor?.headers ?? [])
        return page
    }
}
