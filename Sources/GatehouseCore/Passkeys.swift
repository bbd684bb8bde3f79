import GatehouseCrypto
import GatehouseJSON
import GatehouseSystem
import GatehouseWebAuthn

/// A person's passkeys: made (WebAuthn registration, within the step-up
/// window), named, listed and removed. Each change is decided on the
/// account's record under its lock; which account a credential belongs to
/// is the store's `AccountIndex` of passkeys, claimed before the record lists it.
extension Accounts {
    static let passkeyNameLimit = 64

    /// The site's relying party, or `passkeysDisabled`.
    func relyingParty() throws -> RelyingParty {
        guard let rp = policy.relyingParty else { throw AccountError.passkeysDisabled }
        return rp
    }

    /// The index's key for a credential id (base64url): fixed length,
    /// and nothing of the id in a file name.
    func passkeyKey(_ id: String) -> String { Self.passkeyKey(id, keys: keys) }

    package static func passkeyKey(_ id: String, keys: KeyedHasher) -> String { keys.hex(id, domain: "passkey") }

    /// `PublicKeyCredentialCreationOptionsJSON` for a new passkey of this
    /// session's account. The account's random user handle is made here
    /// the first time; the challenge is bound to this session.
    package func passkeyCreationOptions(_ auth: Authenticated) throws -> JSONValue {
        try requireRecentAuthentication(auth)
        let rp = try relyingParty()
        var user = auth.user
        if user.passkeyHandle.isEmpty {
            let fresh = Base64.url(random.bytes(32))
            try updateStillSignedIn(auth) { u in
                if u.passkeyHandle.isEmpty { u.passkeyHandle = fresh }
                user = u
            }
        }
        guard user.passkeys.count < policy.maxPasskeys else { throw AccountError.tooManyPasskeys }
        let challenge = issueChallenge(.register, binding: auth.session.id, now: clock.now())
        let exclude: [JSONValue] = user.passkeys.map { .object([("type", .string("public-key")), ("id", .string($0.id))]) }
        return .object([
            ("rp", .object([("id", .string(rp.id)), ("name", .string(policy.siteName))])),
            ("user", .object([("id", .string(user.passkeyHandle)), ("name", .string(user.email.description)),
                              ("displayName", .string(user.email.description))])),
            ("challenge", .string(Base64.url(challenge))),
            ("pubKeyCredParams", .array(COSEKey.algorithms.map { .object([("type", .string("public-key")), ("alg", .int($0))]) })),
            ("timeout", .int(policy.passkeyChallengeLifetime * 1000)),
            ("excludeCredentials", .array(exclude)),
            ("authenticatorSelection", .object([("residentKey", .string("preferred")), ("requireResidentKey", .bool(false)),
                                                ("userVerification", .string("preferred"))])),
            ("attestation", .string("none")),
        ])
    }

    /// A registration response to options this session was given: checked
    /// (WebAuthn §7.1), its challenge spent, the credential claimed for
    /// this account site-wide, then listed on the account's record.
    package func registerPasskey(_ auth: Authenticated, response json: JSONValue, name: String,
                                 client: ClientInfo) throws -> Passkey {
        try requireRecentAuthentication(auth)
        let rp = try relyingParty()
        let now = clock.now()
        let label = try Self.passkeyName(name)
        let credential: RegistrationResponse.Credential
        do {
            let response = try RegistrationResponse(json: json)
            guard let challenge = checkChallenge(response.clientData.challenge, .register, binding: auth.session.id, now: now) else {
                throw WebAuthnError.refused("not a challenge of this session's, or expired")
            }
            credential = try response.verify(rp: rp, requireUserVerification: false)
            guard try spendChallenge(challenge.nonce, expires: challenge.expires, now: now) else {
                throw WebAuthnError.refused("challenge used already")
            }
        } catch let e as WebAuthnError {
            audit.record("passkey_refused", at: now, user: auth.user.email, ip: client.ip, [("reason", .string(Self.auditReason(e)))])
            throw AccountError.passkeyRefused
        }
        let id = Base64.url(credential.id)
        let key = passkeyKey(id)
        guard try store.claim(in: .passkeys, key, for: auth.user.id) else {
            audit.record("passkey_refused", at: now, user: auth.user.email, ip: client.ip,
                         [("reason", .string("registered to another account"))])
            throw AccountError.passkeyTaken
        }
        let passkey = Passkey(id: id, publicKey: Base64.url(credential.publicKey), signCount: credential.signCount, name: label,
                              created: now, userVerified: credential.userVerified, backupEligible: credential.backupEligible)
        do {
            try updateStillSignedIn(auth) { u in
                guard !u.passkeys.contains(where: { $0.id == id }) else { throw AccountError.passkeyTaken }
                guard u.passkeys.count < policy.maxPasskeys else { throw AccountError.tooManyPasskeys }
                u.passkeys.append(passkey)
            }
        } catch AccountError.passkeyTaken {
            throw AccountError.passkeyTaken  // listed already: the claim is this account's own
        } catch {
            try? store.release(in: .passkeys, key, of: auth.user.id)
            throw error
        }
        // A removal of this same credential may have freed the claim
        // between the claim above and the listing (`releaseClaim`): the
        // listing is followed by a claim, so none outlives its index entry.
        guard try store.claim(in: .passkeys, key, for: auth.user.id) else {
            try store.updateUser(auth.user.id) { u in u.passkeys.removeAll { $0.id == id } }
            throw AccountError.passkeyTaken
        }
        audit.record("passkey_added", at: now, user: auth.user.email, ip: client.ip, [("name", .string(label))])
        notify(auth.user, "passkey-added", client: client, now: now, ["name": label])
        return passkey
    }

    /// A name as a person gives it: trimmed, 1 to 64 characters, no
    /// control characters; empty gets "Passkey".
    static func passkeyName(_ raw: String) throws -> String {
        let name = raw.trimmingSpaces
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AccountError.invalidField(field: "name", reason: "must not contain control characters")
        }
        guard name.count <= passkeyNameLimit else {
            throw AccountError.invalidField(field: "name", reason: "must be at most \(passkeyNameLimit) characters")
        }
        return name.isEmpty ? "Passkey" : name
    }

    /// A passkey goes (step-up window), and every other session ends with
    /// it: a passkey added by someone who had this account's session for a
    /// while outlives a new password, and its owner removing it must also
    /// end what it, or that session, opened. Its claim is freed.
    package func removePasskey(_ auth: Authenticated, id: String, client: ClientInfo) throws {
        try requireRecentAuthentication(auth)
        let others = try sessions(of: auth).filter { !$0.current }
        var removed: Passkey?
        try updateStillSignedIn(auth) { u in
            removed = u.passkeys.first { $0.id == id }
            guard removed != nil else { return }
            u.passkeys.removeAll { $0.id == id }
            u.keepOnly(auth.session)
        }
        guard let removed else { throw AccountError.passkeyNotFound }
        try releaseClaim(of: id, userID: auth.user.id)
        try removeSessionRecords(others)
        let now = clock.now()
        audit.record("passkey_removed", at: now, user: auth.user.email, ip: client.ip,
                     [("name", .string(removed.name)), ("sessions_ended", .int(others.count))])
        notify(auth.user, "passkey-removed", client: client, now: now, ["name": removed.name])
    }

    /// Frees a removed credential's claim. The same credential may have
    /// been registered to this account again between the record's change
    /// and this: then the record lists it once more, and it is claimed
    /// back, so no listed passkey is ever left without its index entry.
    func releaseClaim(of id: String, userID: String) throws {
        let key = passkeyKey(id)
        try store.release(in: .passkeys, key, of: userID)
        if try store.loadUser(userID)?.passkeys.contains(where: { $0.id == id }) == true {
            _ = try store.claim(in: .passkeys, key, for: userID)
        }
    }

    /// A new name: a signed-in session is enough (it changes no access).
    package func renamePasskey(_ auth: Authenticated, id: String, name: String) throws {
        let label = try Self.passkeyName(name)
        var found = false
        try updateStillSignedIn(auth) { u in
            guard let i = u.passkeys.firstIndex(where: { $0.id == id }) else { return }
            u.passkeys[i].name = label
            found = true
        }
        guard found else { throw AccountError.passkeyNotFound }
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars.drop { $0.properties.isWhitespace }.reversed().drop { $0.properties.isWhitespace }.reversed()
        return String(String.UnicodeScalarView(scalars))
    }
}

/// The administrator's view and remedy (`gatehousectl user passkeys`): for
/// an owner who lost the device, or finds a passkey they never added and
/// cannot sign in to remove it.
extension Accounts {
    package func passkeys(of email: EmailAddress) throws -> [Passkey] {
        guard let user = try findUser(email) else { throw AccountError.userNotFound }
        return user.passkeys
    }

    /// Removes the passkey `id`, or every passkey when nil, and ends every
    /// session, since whoever asked may not be the owner; the owner is
    /// mailed for each. What was removed.
    package func removePasskeys(of email: EmailAddress, id: String?) throws -> [Passkey] {
        let uid = try existingAccountID(for: email)
        let chosen = { (p: Passkey) in id == nil || p.id == id }
        var removed = [Passkey]()
        var owner: UserRecord?
        do {
            owner = try store.updateUser(uid) { u in
                removed = u.passkeys.filter(chosen)
                guard !removed.isEmpty else { return }
                u.passkeys.removeAll(where: chosen)
                u.revokeSessions()
            }
        } catch StoreError.notFound {
            throw AccountError.userNotFound
        }
        guard let owner, !removed.isEmpty else { throw AccountError.passkeyNotFound }
        for p in removed { try releaseClaim(of: p.id, userID: uid) }
        let sessions = try removeSessionFiles(of: uid)
        let now = clock.now()
        for p in removed {
            audit.record("passkey_removed_by_admin", at: now, user: email,
                         [("name", .string(p.name)), ("sessions_ended", .int(sessions))])
            notify(owner, "passkey-removed", client: ClientInfo(ip: "gatehousectl"), now: now, ["name": p.name])
        }
        return removed
    }
}
