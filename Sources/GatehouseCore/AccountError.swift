/// What can go wrong in the account core, in domain terms. The endpoints'
/// ErrorResponses maps each case to a status and body, in one place.
package enum AccountError: Error, Equatable, Sendable {
    /// No, expired or revoked credentials (a session token).
    case notAuthenticated
    /// Wrong password or unknown user: one case, so nothing can tell them apart.
    case invalidCredentials
    /// Locked: by an administrator, or after too many consecutive failures
    /// (until a reset through an e-mailed code or an administrator lifts it).
    case accountLocked
    /// Back off; try again after this many seconds.
    case throttled(retryAfter: Int)
    /// A send limit of docs/security.md (cooldown, hourly caps) was reached.
    case tooManyCodeRequests(retryAfter: Int)
    /// A field that fails validation in the core (the HTTP layer checks shapes first).
    case invalidField(field: String, reason: String)
    case userExists
    case userNotFound
    /// Wrong, expired, used or unknown code: one case, as for passwords.
    case invalidCode
    /// The old password given to change-password is wrong.
    case wrongPassword
    /// The password or the sessions changed between the check and the
    /// write (another change won a race); nothing was written.
    case changedMeanwhile
    /// change-password needs a session that verified a code recently.
    case stepUpRequired
    /// This kind of code is switched off (purpose=login by default).
    case purposeDisabled(String)
    /// The right password for an account with a second factor, and no
    /// code for it with the request (a JSON client sends `mfa_code`).
    case secondFactorRequired
    /// A wrong, used or unknown second-factor code (counted).
    case invalidSecondFactor
    /// New recovery codes for an account without a second factor.
    case secondFactorNotEnabled
    /// The step-up window: the password (and second factor) must be
    /// entered again in this session first.
    case reauthenticationRequired
    /// The password or second factor given to re-authenticate is wrong.
    case reauthenticationFailed
    /// send-otp for an unknown address, when the site opted into the original's 404.
    case unknownAddress
    /// The site has no `webauthn_rp_id`.
    case passkeysDisabled
    /// A passkey response that failed a check (the reason is audited).
    case passkeyRefused
    /// A passkey registered to an account already.
    case passkeyTaken
    case tooManyPasskeys
    case passkeyNotFound
    /// The address is another account's (at the moment of a change, or of its undo).
    case addressTaken
    /// `signup_enabled = no`: the sign-up is not there.
    case signupClosed
    /// `signup_enabled = invitation` and no valid invitation for the address.
    case invitationRequired
    /// The account asked to be deleted: it signs in again only once restored.
    case accountLeaving
}
