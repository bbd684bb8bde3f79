/// What `verify` requires of a signed-in request to a protected location.
/// It comes only from the web server's configuration (GATEHOUSE_REQUIRE),
/// never from the client. Pure.
package enum AccessPolicy: Equatable, Sendable {
    /// Any live session (the default).
    case signedIn
    /// An account whose address was verified by an e-mailed code.
    case verifiedEmail
    /// A session that verified an e-mailed code within this many seconds.
    case recentCode(seconds: Int)
    /// A session that proved a second factor (an authenticator app's code
    /// or a recovery code) at sign-in or since.
    case secondFactor
    /// A session that proved a passkey: the phishing-resistant factor.
    case passkey

    /// `signed-in`, `verified-email`, `mfa`, `passkey`, `otp:<seconds>`; nil for anything
    /// else, the empty string too: a value that is there but empty is a
    /// mistake (a `map` with no match), never the weakest policy.
    package init?(_ text: String) {
        switch text {
        case "signed-in": self = .signedIn
        case "verified-email": self = .verifiedEmail
        case "mfa": self = .secondFactor
        case "passkey": self = .passkey
        default:
            guard text.hasPrefix("otp:"), let n = Int(text.dropFirst(4)), n > 0 else { return nil }
            self = .recentCode(seconds: n)
        }
    }

    /// Whether a signed-in request meets the policy now.
    package func allows(_ auth: Authenticated, now: Int64) -> Bool {
        switch self {
        case .signedIn: return true
        case .verifiedEmail: return auth.user.emailVerified
        case .recentCode(let seconds):
            return auth.session.otpVerifiedAt > 0 && now - auth.session.otpVerifiedAt <= Int64(seconds)
        case .secondFactor: return auth.session.usedSecondFactor
        case .passkey: return auth.session.factors.contains(.passkey)
        }
    }
}
