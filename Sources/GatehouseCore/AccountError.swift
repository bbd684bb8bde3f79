/// What can go wrong in the account core, in domain terms. The HTTP layer
/// maps each case to a status and body in one place.
public enum AccountError: Error, Equatable, Sendable {
    /// No, expired or revoked credentials (a session token).
    case notAuthenticated
    /// Wrong password or unknown user: one case, so nothing can tell them apart.
    case invalidCredentials
    /// Too many consecutive failures; locked until an administrator unlocks it.
    case accountLocked
    /// Back off; try again after this many seconds.
    case throttled(retryAfter: Int)
    /// A field that fails validation in the core (the HTTP layer checks shapes first).
    case invalidField(field: String, reason: String)
    case userExists
    case userNotFound
}
