import GatehouseCore
import GatehouseHTTP
import GatehousePages
import GatehouseJSON
import Logging

/// The one place where errors become responses. Known errors get their
/// status and body here; anything else is logged and becomes a 500 that
/// says nothing.
package enum ErrorResponses {
    package static func httpError(_ error: Error, dialect: ErrorDialect = .fastAPI, ctx: RequestContext) -> HTTPError {
        switch error {
        case let e as HTTPError:
            return e
        case let e as RequestError:
            return map(e, ctx: ctx)
        case let e as AccountError:
            return map(e, dialect: dialect)
        case StoreError.unavailable(let why):
            // The database is down or unreachable: worth a retry, and no
            // detail for the client.
            ctx.services.logger.error("store unavailable: \(why)")
            return HTTPError.detail(503, "Service temporarily unavailable; try again shortly", headers: [("Retry-After", "5")])
        default:
            ctx.services.logger.error("internal error: \(String(describing: error))")
            return HTTPError.detail(500, "Internal Server Error")
        }
    }

    static let lockedMessage = "Account locked; reset the password with a code sent by e-mail, or ask the site administrator"

    static func map(_ e: AccountError, dialect: ErrorDialect) -> HTTPError {
        switch e {
        case .notAuthenticated: return .notAuthenticated
        case .invalidCredentials: return .oauth("invalid_grant", "Invalid username or password")
        case .accountLocked:
            return dialect == .oauth2 ? .oauth("invalid_grant", lockedMessage) : .detail(403, lockedMessage)
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
        case .secondFactorRequired:
            let text = "A second factor is required: send the code from the authenticator app or a recovery code as mfa_code"
            return dialect == .oauth2 ? .oauth("mfa_required", text, status: 403) : .detail(403, text)
        case .invalidSecondFactor:
            return dialect == .oauth2 ? .oauth("invalid_grant", "Invalid second factor code")
                : .detail(403, "Invalid second factor code")
        case .secondFactorNotEnabled: return .detail(409, "No second factor is enabled")
        case .reauthenticationRequired:
            return .detail(403, "Enter your password (and second factor) again first: POST it to reauth")
        case .reauthenticationFailed: return .detail(403, "Incorrect password or second factor code")
        case .passkeysDisabled: return .detail(404, "Passkeys are not enabled on this site")
        case .passkeyRefused:
            return dialect == .oauth2 ? .oauth("invalid_grant", "The passkey was not accepted")
                : .detail(400, "The passkey was not accepted")
        case .passkeyTaken: return .detail(409, "This passkey is registered already")
        case .tooManyPasskeys: return .detail(409, "No more passkeys can be added: remove one first")
        case .passkeyNotFound: return .detail(404, "No such passkey")
        case .addressTaken: return .detail(409, "This address belongs to another account")
        case .signupClosed: return .notFound
        case .invitationRequired: return .detail(403, "Signing up here needs an invitation for this address")
        case .accountLeaving:
            let text = "This account is being deleted; the mail sent about it has a code that restores it"
            return dialect == .oauth2 ? .oauth("invalid_grant", text) : .detail(403, text)
        case .purposeDisabled(let purpose):
            return .validation([ValidationIssue(type: "value_error", loc: [.string("body"), .string("purpose")],
                                                msg: "Value error, purpose \(purpose) is not enabled on this site",
                                                input: .string(purpose))])
        }
    }

    static func map(_ e: RequestError, ctx: RequestContext) -> HTTPError {
        switch e {
        case .notAuthenticated: return .notAuthenticated
        case .crossOrigin: return .detail(403, "Cross-origin request refused")
        case .csrf: return .detail(403, "Missing or invalid CSRF token")
        case .passwordsDiffer: return .detail(400, "Passwords do not match")
        case .bodyCutShort: return .detail(400, "Request body was cut short")
        case .invalidEmail(let raw, let location, let reason, let field):
            // pydantic's EmailStr: a value_error carrying email-validator's reason.
            return .validation([ValidationIssue(type: "value_error", loc: [.string(location), .string(field)],
                                                msg: "value is not a valid email address: \(reason)", input: .string(raw),
                                                ctx: [("reason", .string(reason))])])
        case .invalidPurpose(let raw):
            return .validation([ValidationIssue(type: "enum", loc: [.string("body"), .string("purpose")],
                                                msg: "Input should be 'verify', 'reset' or 'login'", input: .string(raw),
                                                ctx: [("expected", .string("'verify', 'reset' or 'login'"))])])
        case .missingEmail:
            return .validation([ValidationIssue(type: "missing", loc: [.string("query"), .string("email")],
                                                msg: "Field required", input: .null)])
        case .invalidTokenRequest(let description):
            // The page says it in words of its own; the JSON keeps RFC 6749's description.
            let e = HTTPError.oauth("invalid_request", description)
            return HTTPError(e.response, message: "Enter your e-mail address and password")
        case .unsupportedGrantType: return .oauth("unsupported_grant_type", "Only grant_type=password is supported")
        case .signInFirst(let clearCookie):
            // Back to this very page afterwards.
            let here = ctx.request.params["REQUEST_URI"].map { "?rd=" + FormDecoding.escape($0) } ?? ""
            return HTTPError(.redirect(to: ctx.url("token") + here, headers: clearCookie ? [Authentication.clearCookie(ctx)] : []),
                             message: "Sign in first")
        }
    }

    package static func response<E: Endpoint>(for error: Error, endpoint: E, ctx: RequestContext) -> Response {
        // A page that needs the step-up window asks for the password in
        // place and comes back: to the page asked for, or to the page whose
        // form was posted (reauth follows only a return URL of this site).
        if ctx.html, (error as? AccountError) == .reauthenticationRequired {
            let back = ctx.request.method == "GET" ? ctx.request.params["REQUEST_URI"] : ctx.request.header("Referer")
            return .redirect(to: ctx.url("reauth") + "?rd=" + FormDecoding.escape(back ?? ctx.home))
        }
        let e = httpError(error, dialect: endpoint.errorDialect(at: ctx.request.path, prefix: ctx.services.site.prefix), ctx: ctx)
        // A redirect (to the sign-in page) is an answer in itself.
        guard ctx.html, !(300..<400).contains(e.status) else { return e.response }
        if let page = endpoint.htmlError(e, ctx) { return page }
        var headers = e.response.headers.filter { $0.0 != "Content-Type" }
        headers.removeAll { $0.0 == "Pragma" }
        return ctx.page.error(status: e.status, message: ctx.page.explain(e), headers: headers, links: [PageLink(ctx.page["nav.home"], ctx.home)])
    }
}
