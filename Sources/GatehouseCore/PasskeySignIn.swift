import GatehouseCrypto
import GatehouseJSON
import GatehouseSystem
import GatehouseWebAuthn

/// Signing in with a passkey: without a password (a discoverable
/// credential, user verification required), or as the second step after
/// one. Every check of WebAuthn §7.2 is `AssertionResponse`'s; what is the
/// account's is decided here, on its record under its lock: the challenge
/// spent before the session opens, the counter moved forward or the
/// assertion refused (and audited).
extension Accounts {
    /// A refusal's reason for the audit log, cut short: it may quote what
    /// the client sent (an origin, a type), and a line must not grow with it.
    static func auditReason(_ e: WebAuthnError) -> String { String(e.description.prefix(160)) }

    /// `PublicKeyCredentialRequestOptionsJSON`. Without a ticket: sign-in
    /// without a password (no credentials listed, any of the site's will
    /// do, user verification required). With a browser's second-step
    /// ticket: that account's passkeys, bound to the ticket.
    package func passkeyRequestOptions(ticket: String? = nil) throws -> JSONValue {
        let rp = try relyingParty()
        let now = clock.now()
        var allow = [JSONValue]()
        var binding = ""
        var purpose = CeremonyPurpose.signIn
        if let ticket {
            guard let found = try liveSecondStep(ticket), let user = found.user else { throw AccountError.notAuthenticated }
            allow = user.passkeys.map { .object([("type", .string("public-key")), ("id", .string($0.id))]) }
            binding = found.session.id
            purpose = .secondStep
        }
        return .object([
            ("challenge", .string(Base64.url(issueChallenge(purpose, binding: binding, now: now)))),
            ("timeout", .int(policy.passkeyChallengeLifetime * 1000)),
            ("rpId", .string(rp.id)),
            ("allowCredentials", .array(allow)),
            ("userVerification", .string(ticket == nil ? "required" : "preferred")),
        ])
    }

    /// POST passkeys/login: an assertion to options without a ticket opens
    /// a session whose factor is the passkey (user verified: it counts as
    /// two factors, and satisfies verify's `mfa` and `passkey`). Each try
    /// takes from the client's hourly budget first; a success gives it back.
    package func signInWithPasskey(_ json: JSONValue, client: ClientInfo) throws -> OpenedSession {
        let now = clock.now()
        let budgets = try throttleAnswered { try beginClientAttempt(clientIP: client.ip, now: now) }
        let user = try provePasskey(json, purpose: .signIn, binding: "", of: nil, requireUserVerification: true, client: client, now: now)
        try giveBack(budgets, now: now)
        let opened = try openSession(for: user, client: client, now: now, factors: [.passkey])
        recordSignIn(user, ip: client.ip, Self.factorsDetail([.passkey]), now: now)
        return opened
    }

    /// An assertion checked against the account its credential belongs to
    /// (`of`, when the account is known already), the challenge spent, the
    /// counter moved forward on the locked record. The account as it now
    /// is; `passkeyRefused` for anything wrong (the reason audited).
    func provePasskey(_ json: JSONValue, purpose: CeremonyPurpose, binding: String, of expected: UserRecord?,
                      requireUserVerification: Bool, client: ClientInfo, now: Int64) throws -> UserRecord {
        let rp = try relyingParty()
        var who = expected
        do {
            let assertion = try AssertionResponse(json: json)
            guard let challenge = checkChallenge(assertion.clientData.challenge, purpose, binding: binding, now: now) else {
                throw WebAuthnError.refused("not a challenge of this ceremony's, or expired")
            }
            let id = Base64.url(assertion.credentialID)
            guard let owner = try store.owner(in: .passkeys, passkeyKey(id)), expected == nil || owner == expected?.id,
                  let user = try expected ?? store.loadUser(owner) else { throw WebAuthnError.refused("no account has this passkey") }
            who = user
            guard user.lock != .admin, let passkey = user.passkeys.first(where: { $0.id == id }),
                  let publicKey = Base64.decodeURL(passkey.publicKey) else { throw WebAuthnError.refused("no account has this passkey") }
            // A discoverable credential names its account; it must be this one's.
            if let handle = assertion.userHandle {
                guard constantTimeEqual(Base64.url(handle), user.passkeyHandle) else { throw WebAuthnError.refused("user handle") }
            } else if expected == nil {
                throw WebAuthnError.refused("no user handle for a sign-in without a password")
            }
            let verified = try assertion.verify(publicKey: publicKey, storedSignCount: passkey.signCount,
                                                backupEligible: passkey.backupEligible, rp: rp,
                                                requireUserVerification: requireUserVerification)
            guard try spendChallenge(challenge.nonce, expires: challenge.expires, now: now) else {
                throw WebAuthnError.refused("challenge used already")
            }
            var outcome: WebAuthnError?
            let updated = try store.updateUser(user.id) { u in
                outcome = nil
                guard u.lock != .admin, let i = u.passkeys.firstIndex(where: { $0.id == id }) else {
                    outcome = .refused("no account has this passkey")
                    return
                }
                // Decided again on the record: a parallel assertion may have moved it.
                let stored = u.passkeys[i].signCount
                if verified.signCount != 0 || stored != 0, verified.signCount <= stored {
                    outcome = .counterWentBack(stored: stored, presented: verified.signCount)
                    return
                }
                u.passkeys[i].signCount = verified.signCount
                u.passkeys[i].lastUsed = now
            }
            if let outcome { throw outcome }
            return updated
        } catch let e as WebAuthnError {
            if case .counterWentBack = e {
                audit.record("passkey_counter_regressed", at: now, user: who?.email, ip: client.ip, [("reason", .string(Self.auditReason(e)))])
            } else {
                audit.record("passkey_refused", at: now, user: who?.email, ip: client.ip, [("reason", .string(Self.auditReason(e)))])
            }
            throw AccountError.passkeyRefused
        }
    }
}
