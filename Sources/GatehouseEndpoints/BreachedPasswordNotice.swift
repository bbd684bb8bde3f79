import GatehouseCore
import GatehouseJSON

/// What answers say about a password the breached-password corpus has,
/// where it was not refused: `breached_passwords = warn` (a password just
/// set) and `breached_password_signin` (a sign-in). A JSON client reads a
/// member; a browser is sent on to the change-password form, which says
/// why. The corpus's count is never shown.
enum BreachedPasswordNotice {
    /// `warning` for an answer that took a new password the corpus has.
    static func warning(_ ctx: RequestContext, password: String) -> [(String, JSONValue)] {
        ctx.accounts.breachWarning(for: password) ? [("warning", .string(Accounts.breachedReason))] : []
    }

    /// `password_breached: true` for a token answer whose owner is asked to change it.
    static func members(_ opened: OpenedSession) -> [(String, JSONValue)] {
        opened.passwordBreached ? [("password_breached", .bool(true))] : []
    }

    /// Where a browser whose session was opened with such a password goes.
    static func changePasswordPage(_ ctx: RequestContext) -> String {
        ctx.url("change-password") + "?notice=password-breached"
    }
}
