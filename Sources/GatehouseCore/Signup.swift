import GatehouseCrypto
import GatehouseSystem

/// Whether people may make their own accounts (`signup_enabled`).
package enum SignupMode: Sendable, Equatable {
    /// Only `gatehousectl user add`.
    case closed
    /// Anyone who can read the mail sent to the address.
    case open
    /// Only addresses `gatehousectl invite` mailed an invitation to.
    case invitation
}

/// Self-service sign-up. `POST signup` takes an address and a password and
/// gives the same answer, after the same work, whether the address has an
/// account: a new address is mailed a code, a taken one a note to its
/// owner. The account is made only when verify-otp (purpose `signup`)
/// takes the code, from the password hash kept in the code's record, so
/// nothing about an address can be learnt by signing in before. The
/// password is given again with the code: a later sign-up of the address
/// (anyone's) replaces the pending one, and the code mailed for it must
/// never make an account with a password the person did not choose.
extension Accounts {
    package static let signupPurpose = "signup"

    /// One pending sign-up per address: a second one replaces the first's
    /// code and password.
    func signupCodeID(_ email: EmailAddress) -> String {
        keys.hex(email.description + "\u{0}" + Self.signupPurpose, domain: "otp")
    }

    /// POST signup. The password is checked as for a change, the request
    /// is counted in the budgets of codes sent without a session, and the
    /// password hashed, all before the address is looked up.
    package func requestSignup(_ email: EmailAddress, password: String, invitation: String?, client: ClientInfo) throws {
        guard policy.signup != .closed else { throw AccountError.signupClosed }
        if policy.signup == .invitation { try checkInvitation(invitation ?? "", for: email) }
        let text = PasswordText(password)
        try checkPasswordPolicy(text, address: email, currentHash: nil, field: "password")
        let now = clock.now()
        try takeSendAllowance(email, ownAccount: nil, clientIP: client.ip, now: now)
        let hash = try hasher.hash(text.normalized)
        let owner = try findUser(email)
        // Written either way: the same work. A taken address's code is
        // mailed to no one, and its account could not be made anyway.
        let issued = try writeCode(signupCodeID(email), of: addressKey(email), purpose: Self.signupPurpose, payload: hash, now: now)
        // One mail either way, queued alike (a failure is the same 500).
        try mail.queue(owner == nil ? codeMail(issued, purpose: Self.signupPurpose, to: email, language: client.language)
                                    : notice(to: email, "signup-attempt", client: client, now: now), decoy: false)
        audit.record(owner == nil ? "signup_requested" : "signup_taken_address", at: now, user: email, ip: client.ip)
    }

    /// verify-otp with purpose signup: the code taken (counted like any
    /// code without a session) and the password given again, which must be
    /// the pending sign-up's; then the account made under the address's
    /// claim, and signed in. A password that is not the pending one is
    /// answered like a wrong code, and the code is spent. `addressTaken`
    /// when the address got an account meanwhile.
    package func completeSignup(_ code: String, for email: EmailAddress, password: String, client: ClientInfo) throws -> OpenedSession {
        guard policy.signup != .closed else { throw AccountError.signupClosed }
        let text = PasswordText(password)
        let pending = try spendCode(code, ids: [signupCodeID(email)], accountID: addressKey(email), address: email,
                                    purpose: Self.signupPurpose, clientIP: client.ip, signedIn: false) { record in
            guard !record.payload.isEmpty, case .match = hasher.check(text.normalized, against: record.payload) else {
                audit.record("signup_refused", at: clock.now(), user: email, ip: client.ip, [("reason", .string("not the pending password"))])
                return false
            }
            return true
        }
        let now = clock.now()
        audit.record("code_verified", at: now, user: email, ip: client.ip, [("purpose", .string(Self.signupPurpose))])
        let user = UserRecord(id: newAccountID(), email: email, passwordHash: pending.payload, created: now, emailVerified: true,
                              generation: Hex.encode(random.bytes(16)))
        do {
            try insertAccount(user)
        } catch AccountError.userExists {
            audit.record("signup_refused", at: now, user: email, ip: client.ip, [("reason", .string("taken"))])
            throw AccountError.addressTaken
        }
        audit.record("signup_completed", at: now, user: email, ip: client.ip)
        // The password was just chosen and the mailbox just proved.
        return try openSession(for: user, client: client, now: now, factors: [.password, .emailCode], announce: false)
    }

    // MARK: invitations

    /// `gatehousectl invite`: mails `email` a link to the sign-up page
    /// (`signupPage`, absolute) with its invitation: the hour it ends and
    /// a keyed proof over that and the address. It lets that address ask
    /// for a sign-up code and nothing more, so it may sit in a link (and
    /// in access logs). `userExists` when the address has an account.
    package func invite(_ email: EmailAddress, signupPage: String, language: String = "") throws {
        guard policy.signup == .invitation else { throw AccountError.signupClosed }
        guard try findUser(email) == nil else { throw AccountError.userExists }
        let now = clock.now()
        let hour = MailedToken.hour(ending: now + Int64(policy.invitationLifetime))
        let token = MailedToken(ids: [], hour: hour, proof: invitationProof(email, hour: hour)).encoded
        let query = "?invitation=" + token + "&email=" + PercentEncoding.encode(email.description) { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 0x2d || b == 0x2e || b == 0x5f
        }
        try mail.queue(OutgoingMail(to: email, template: "invitation", values: [
            "page": signupPage + query, "until": UTCTime.rfc3339(hour * 3600), "time": UTCTime.rfc3339(now),
        ], language: language), decoy: false)
        audit.record("invitation_sent", at: now, user: email)
    }

    func invitationProof(_ email: EmailAddress, hour: Int64) -> [UInt8] {
        keys.hash(email.description + "\u{0}" + String(hour), domain: "invitation", length: 16)
    }

    func checkInvitation(_ token: String, for email: EmailAddress) throws {
        guard let t = MailedToken(decoding: token, ids: 0) else { throw AccountError.invitationRequired }
        guard t.hour * 3600 > clock.now(), constantTimeEqual(t.proof, invitationProof(email, hour: t.hour)) else {
            throw AccountError.invitationRequired
        }
    }
}
