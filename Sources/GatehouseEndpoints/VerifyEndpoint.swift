#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehouseHTTP
import GatehouseSystem

/// `verify`: the web server asks, for a request to another application on
/// the same server, "is this signed in, and allowed?". Under nginx it is a
/// Responder reached by `auth_request`; under lighttpd and Apache a FastCGI
/// Authorizer (FCGI_ROLE=AUTHORIZER). Any method; the request's body is
/// never read (it belongs to the protected application); no CSRF or Origin
/// check (the application owns its forms); no Argon2. The policy comes only
/// from the server's configuration: GATEHOUSE_REQUIRE as a FastCGI
/// parameter (nginx) or in the process's environment (one verifier per
/// policy under lighttpd and Apache).
package struct VerifyEndpoint: Endpoint {
    package let name = "verify"
    package let methods: [String] = []
    package let examinesOnlyCredentials = true
    /// GATEHOUSE_REQUIRE from the environment the server started us with.
    let processPolicy: String?

    package init() {
        processPolicy = getenv("GATEHOUSE_REQUIRE").map { String(cString: $0) }
    }

    package func handle(_ ctx: RequestContext) throws -> Response {
        let request = ctx.request
        let authorizer = request.params["FCGI_ROLE"] == "AUTHORIZER"
        // A parameter the server sets wins over the process's environment;
        // named nowhere, the policy is signed-in. Named but empty is an
        // error: it would otherwise fall back to the weakest policy.
        let policyText = request.params["GATEHOUSE_REQUIRE"] ?? processPolicy ?? "signed-in"
        guard let policy = AccessPolicy(policyText) else {
            ctx.services.logger.error("verify: GATEHOUSE_REQUIRE \"\(policyText)\" is not signed-in, verified-email, mfa, passkey or otp:<seconds>")
            return .detail(500, "Internal Server Error")
        }
        let original = ctx.ownOrigin + (request.params["REQUEST_URI"] ?? "/")
        let signIn = deny(401, to: ctx.signInURL(returningTo: original), authorizer: authorizer)
        guard let token = credential(ctx) else { return signIn }
        let auth: Authenticated
        do {
            auth = try ctx.accounts.authenticate(token: token)
        } catch AccountError.notAuthenticated {
            return signIn
        }
        guard policy.allows(auth, now: ctx.accounts.now()) else {
            // A step-up, never the sign-in page: sending a signed-in user
            // there again would loop.
            // The second factor is proved by re-authenticating, an address
            // by a code sent to it.
            let stepUp = ctx.stepUp(for: policy, auth.user, returningTo: original)
            return deny(403, to: stepUp, authorizer: authorizer)
        }
        let email = auth.user.email.description, verified = auth.user.emailVerified ? "true" : "false"
        if authorizer {
            return .authorized(variables: [("REMOTE_USER", email), ("GATEHOUSE_EMAIL", email), ("GATEHOUSE_EMAIL_VERIFIED", verified)])
        }
        return Response(status: 200, headers: [("Remote-User", email), ("Remote-Email", email), ("Remote-Email-Verified", verified)])
    }

    /// A bearer token, else the session cookie. Never a reset grant.
    func credential(_ ctx: RequestContext) -> String? {
        switch ctx.request.authorization {
        case .bearer(let token): return token
        case .unusable: return nil
        case .absent: return ctx.request.cookies[Authentication.cookieName(ctx)]
        }
    }

    /// nginx: 401 or 403 with an absolute Location (its error_page redirects
    /// only to absolute URLs). An Authorizer's refusal goes to the client as
    /// it is, so there it is the redirect itself.
    func deny(_ status: Int, to location: String, authorizer: Bool) -> Response {
        if authorizer {
            return .html(302, "<!doctype html><title>Sign in</title><p><a href=\"\(htmlEscape(location))\">Sign in</a></p>\n",
                         headers: [("Location", location)])
        }
        return .detail(status, status == 401 ? "Not authenticated" : "Not allowed", headers: [("Location", location)])
    }
}
