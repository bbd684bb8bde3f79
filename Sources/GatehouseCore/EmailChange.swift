import GatehouseCrypto
import GatehouseSystem

/// A new address for an account: asked for within the step-up window, a
/// code sent to the new address, the change made when a session of the
/// account verifies that code. The address index decides, at the moment of
/// the change, that the new address is nobody else's. The old address is
/// told, with an undo token good for `emailChangeUndoWindow`.
///
/// Whether the new address has an account is never said when it is asked
/// for: the answer and the work are the same, and a taken address gets no
/// code (its mail is a decoy), so the change can never be made.
extension Accounts {
    package static let changeEmailPurpose = "change_email"

    /// A code for the change to `new` is the account's and that address's:
    /// a code sent for one new address never changes to another.
    func changeCodeID(_ uid: String, to new: EmailAddress) -> String {
        keys.hex(uid + "\u{0}" + new.description + "\u{0}" + Self.changeEmailPurpose, domain: "otp")
    }

    /// POST change-email: a code to `new`, under the account's own budgets
    /// for codes sent to a signed-in person (no one without the session can
    /// spend them). A code asked for again replaces the last one.
    package func requestEmailChange(_ auth: Authenticated, to new: EmailAddress, client: ClientInfo) throws {
        try requireRecentAuthentication(auth)
        guard new != auth.user.email else {
            throw AccountError.invalidField(field: "new_email", reason: "is the address the account has now")
        }
        let now = clock.now()
        // findUser reads twice either way (the index, then a record).
        let taken = try findUser(new) != nil
        try takeSendAllowance(new, ownAccount: auth.user.id, cooldownPerAddress: true, clientIP: client.ip, now: now)
        try issueCode(changeCodeID(auth.user.id, to: new), of: auth.user.id, purpose: Self.changeEmailPurpose, to: new,
                      language: client.language, decoy: taken, now: now)
        audit.record("email_change_requested", at: now, user: auth.user.email, ip: client.ip, [("to", .string(new.description))])
    }

    /// verify-otp with purpose change_email: the code sent to `new`, checked
    /// like any step-up code, then the new address claimed in the index (a
    /// refusal when another account has it now) and written on the record
    /// of a session still live. The old address is freed and told.
    @discardableResult
    /// `undoPage`: where the undo page is, absolute when the site's public
    /// origin is known (the mail then carries a link), else its path.
    package func confirmEmailChange(_ auth: Authenticated, to new: EmailAddress, code: String, undoPage: String,
                                    client: ClientInfo) throws -> UserRecord {
        try requireRecentAuthentication(auth)
        let uid = auth.user.id
        _ = try checkCode(code, ids: [changeCodeID(uid, to: new)], accountID: uid, address: new, purpose: Self.changeEmailPurpose,
                          clientIP: client.ip, signedIn: true)
        let now = clock.now()
        guard try claimAddress(new, for: uid) else {
            audit.record("email_change_refused", at: now, user: auth.user.email, ip: client.ip,
                         [("to", .string(new.description)), ("reason", .string("taken"))])
            throw AccountError.addressTaken
        }
        var old = auth.user.email
        let changed: UserRecord
        do {
            changed = try store.updateUser(uid) { u in
                guard isLive(auth.session, user: u, now: now) else { throw AccountError.notAuthenticated }
                old = u.email
                u.email = new
                u.emailVerified = true
                // The first address of changes within the window keeps the
                // undo: a second change by whoever made the first cannot
                // give itself an undo that replaces the owner's.
                if pendingUndo(u, now: now) == nil { u.emailUndo = "\(now + Int64(policy.emailChangeUndoWindow)) \(old)" }
                // Codes and grants sent to the old address end, and so do
                // the other sessions: this one goes on.
                u.keepOnly(auth.session)
            }
        } catch {
            try releaseUnlisted(new, of: uid)
            throw error
        }
        if old != new { try store.release(in: .addresses, addressKey(old), of: uid) }
        try invalidateCodes(of: uid)
        audit.record("email_changed", at: now, user: new, ip: client.ip, [("from", .string(old.description))])
        var told = changed
        told.email = old
        // The undo code goes to the address that can undo: the first of
        // the window's changes. A later one is told, without one.
        let undo = pendingUndo(changed, now: now)
        let token = undo?.address == old ? undoEmailToken(changed, restoring: old, expires: undo!.expires) : ""
        notify(told, "email-changed", client: client, now: now, [
            "new_email": new.description, "undo": token, "undo_page": undoPage,
            "days": String(policy.emailChangeUndoWindow / 86_400),
        ])
        return changed
    }

    // MARK: the way back

    /// The change the old address may still undo: the first address of
    /// the window's changes and when its undo expires.
    func pendingUndo(_ u: UserRecord, now: Int64) -> (address: EmailAddress, expires: Int64)? {
        let parts = u.emailUndo.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let expires = Int64(parts[0]), now < expires,
              case .success(let address) = EmailAddress.parse(String(parts[1])) else { return nil }
        return (address, expires)
    }

    /// The undo code: the account's id, the hour it expires, and a keyed
    /// proof over them, the address it restores and the account's
    /// generation, which the undo replaces (so it works once). The address
    /// itself is not in it: it is the record's pending undo.
    func undoEmailToken(_ user: UserRecord, restoring old: EmailAddress, expires: Int64) -> String {
        let hour = MailedToken.hour(ending: expires)
        return MailedToken(ids: [user.id], hour: hour, proof: emailUndoProof(user.id, old, generation: user.generation, hour: hour)).encoded
    }

    func emailUndoProof(_ uid: String, _ old: EmailAddress, generation: String, hour: Int64) -> [UInt8] {
        keys.hash([uid, old.description, generation, String(hour)].joined(separator: "\u{0}"), domain: "email-undo", length: 16)
    }

    /// POST change-email/undo: the old address back, every session ended
    /// (the generation replaced, which also spends the token), the password
    /// made unusable, since whoever changed the address may know it; the
    /// answer is a password-reset grant, to set a new one. A token that is
    /// not genuine, expired or spent is `invalidCode`; the old address taken
    /// by another account meanwhile is `addressTaken`.
    package func undoEmailChange(_ token: String, client: ClientInfo) throws -> OpenedSession {
        let now = clock.now()
        guard let t = MailedToken(decoding: token, ids: 1) else { throw AccountError.invalidCode }
        let (uid, hour, proof) = (t.ids[0], t.hour, t.proof)
        // Genuine for the record as it is: its pending undo, its generation.
        let restoring = { (u: UserRecord) -> EmailAddress? in
            guard u.deleteAfter != UserRecord.purging, let undo = self.pendingUndo(u, now: now), hour == MailedToken.hour(ending: undo.expires),
                  constantTimeEqual(proof, self.emailUndoProof(uid, undo.address, generation: u.generation, hour: hour)) else { return nil }
            return undo.address
        }
        guard let user = try store.loadUser(uid), let old = restoring(user) else { throw AccountError.invalidCode }
        guard try claimAddress(old, for: uid) else {
            audit.record("email_change_undo_refused", at: now, user: old, ip: client.ip, [("reason", .string("taken"))])
            throw AccountError.addressTaken
        }
        var replaced = user.email
        var dropped = [Passkey]()
        let restored: UserRecord
        do {
            restored = try store.updateUser(uid) { u in
                // Decided again on the locked record: a parallel undo has replaced the generation.
                guard restoring(u) == old else { throw AccountError.invalidCode }
                replaced = u.email
                u.email = old
                u.emailVerified = true
                u.emailUndo = ""
                // A deletion asked for since the change was the taker's too.
                u.deleteAfter = 0
                u.generation = Hex.encode(random.bytes(16))
                u.passwordHash = Self.unusablePassword
                u.passwordChanged = now
                u.revokeSessions()
                // Whoever changed the address may have added a factor that
                // would let them back in, or keep the owner out: every
                // factor goes, and the owner sets theirs up again.
                u.secondFactor = SecondFactor(lastStep: u.secondFactor.lastStep)
                dropped = u.passkeys
                u.passkeys = []
            }
        } catch {
            try releaseUnlisted(old, of: uid)
            throw error
        }
        if replaced != old { try store.release(in: .addresses, addressKey(replaced), of: uid) }
        for p in dropped { try releaseClaim(of: p.id, userID: uid) }
        try invalidateCodes(of: uid)
        audit.record("email_change_undone", at: now, user: old, ip: client.ip,
                     [("from", .string(replaced.description)), ("passkeys_removed", .int(dropped.count))])
        // The address it was changed to is told too.
        var told = restored
        told.email = replaced
        notify(told, "email-change-undone", client: client, now: now, ["old_email": old.description])
        return try openResetGrant(for: restored, clientIP: client.ip)
    }

    /// Frees a claim this request made for a change that did not happen,
    /// unless the record has that address after all: a parallel request of
    /// the same account (an undo that won) may have claimed it too, and its
    /// claim is the same key.
    func releaseUnlisted(_ address: EmailAddress, of uid: String) throws {
        guard try store.loadUser(uid)?.email != address else { return }
        try store.release(in: .addresses, addressKey(address), of: uid)
    }

    /// A hash no password matches: after an undo, only a reset sets one.
    static let unusablePassword = "!undone"
}
