/// What a code is for. It is bound to its user and purpose: a code sent
/// for one purpose never verifies another.
package enum CodePurpose: String, CaseIterable, Sendable {
    /// Prove the address (and, with a session, step up that session).
    case verify
    /// Password reset: verify-otp without a session returns a reset grant.
    case reset
    /// Sign in with the code alone; off unless `otp_login_enabled`.
    case login
}
