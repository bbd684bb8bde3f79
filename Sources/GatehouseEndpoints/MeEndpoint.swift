import GatehouseCore
import GatehouseHTTP
import GatehouseJSON
import GatehouseSystem

/// GET /me: the signed-in account.
public struct MeEndpoint: Endpoint {
    public init() {}
    public let name = "me"
    public let methods = ["GET"]

    public func handle(_ ctx: RequestContext) throws -> Response {
        let (auth, _) = try Authentication.require(ctx)
        let u = auth.user, s = auth.session
        let policy = ctx.accounts.policy
        if ctx.html {
            return .html(200, ctx.pages.document(title: "Your account", body: """
                <p>Signed in as <strong>\(htmlEscape(u.email))</strong>\(u.emailVerified ? " (verified)" : "").</p>
                <ul>
                <li><a href="\(htmlEscape(ctx.url("send-otp")))?purpose=verify">Verify your e-mail address</a></li>
                <li><a href="\(htmlEscape(ctx.url("change-password")))">Change your password</a></li>
                <li><a href="\(htmlEscape(ctx.url("logout")))">Sign out</a></li>
                </ul>

                """))
        }
        return .json(200, .object([
            ("email", .string(u.email)),
            ("email_verified", .bool(u.emailVerified)),
            ("created", .string(UTCTime.rfc3339(u.created))),
            ("password_changed", .string(UTCTime.rfc3339(u.passwordChanged))),
            ("session", .object([
                ("created", .string(UTCTime.rfc3339(s.created))),
                ("expires", .string(UTCTime.rfc3339(min(s.created + Int64(policy.sessionAbsolute), s.lastSeen + Int64(policy.sessionIdle))))),
                ("otp_verified", .bool(s.otpVerifiedAt > 0)),
            ])),
        ]))
    }
}
