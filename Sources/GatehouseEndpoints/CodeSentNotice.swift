import GatehouseCore
import GatehouseCrypto
import GatehouseHTTP

/// "A code is on its way to …" on the verify-otp page names an address,
/// so only send-otp's own redirect may make the page say it: the link
/// carries a proof, a keyed hash of the address, the purpose and the
/// minute it was made, good for the code's lifetime. A link someone
/// crafted (`?notice=code-sent&email=Your account is suspended…`) shows
/// no such line.
enum CodeSentNotice {
    static let domain = "code-sent-notice"

    /// `&notice=code-sent&sent=…` for send-otp's redirect.
    static func query(_ ctx: RequestContext, email: String, purpose: String) -> String {
        let minute = ctx.accounts.now() / 60
        return "&notice=code-sent&sent=\(minute).\(proof(ctx, email: email, purpose: purpose, minute: minute))"
    }

    /// Whether this request's link came from send-otp, for this address
    /// and purpose, recently.
    static func holds(_ ctx: RequestContext, email: String, purpose: String) -> Bool {
        guard ctx.request.queryValue("notice") == "code-sent", let sent = ctx.request.queryValue("sent") else { return false }
        let parts = sent.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let minute = Int64(parts[0]) else { return false }
        let age = ctx.accounts.now() / 60 - minute
        guard age >= 0, age <= Int64(ctx.accounts.policy.codes.lifetime / 60 + 1) else { return false }
        return constantTimeEqual(String(parts[1]), proof(ctx, email: email, purpose: purpose, minute: minute))
    }

    static func proof(_ ctx: RequestContext, email: String, purpose: String, minute: Int64) -> String {
        ctx.accounts.proof(of: "\(minute)\u{0}\(email)\u{0}\(purpose)", domain: domain)
    }
}
