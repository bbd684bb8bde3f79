import GatehouseCrypto
import GatehouseSystem

/// Leaving. `POST delete-account` (step-up window) ends every session at
/// once and marks the account to go after `deletionGrace`; the mail sent
/// then carries a code that restores it within the grace. `gatehousectl
/// gc` deletes what is due, and `gatehousectl user del` stays immediate.
///
/// A restore and a purge decide on the locked record: the purge first
/// marks it `purging`, which no restore undoes, and only then removes
/// anything, so of the two one wins and nothing is left half deleted (a
/// purge cut short is finished by the next gc).
extension Accounts {
    /// An account asked to be deleted opens no session or grant of any
    /// kind until it is restored. Said only after what opens one was
    /// proved (a password, a code, a passkey), so it tells no one else;
    /// and since that proof is the owner's (or a taker's), the restore
    /// code is mailed to the account again, once an hour at most, in case
    /// the first mail was lost.
    func requireStaying(_ user: UserRecord, client: ClientInfo) throws {
        guard user.leaving else { return }
        let now = clock.now()
        let reminder = [Budget(key: keys.hex(user.id, domain: "restore-reminder-hour"), window: RateWindow(limit: 1))]
        if user.deleteAfter > now {
            do {
                if try take(reminder, now: now) == nil { mailRestoreCode(user, client: client, now: now) }
            } catch {
                logger.error("restore code not mailed again: \(error)")
            }
        }
        throw AccountError.accountLeaving
    }

    func mailRestoreCode(_ user: UserRecord, client: ClientInfo, now: Int64) {
        notify(user, "account-deleted", client: client, now: now, [
            "restore": restoreToken(user), "restore_page": policy.restorePage, "until": UTCTime.rfc3339(user.deleteAfter),
        ])
    }

    /// POST delete-account. When the account goes for good.
    @discardableResult
    package func requestDeletion(_ auth: Authenticated, client: ClientInfo) throws -> Int64 {
        try requireRecentAuthentication(auth)
        let now = clock.now()
        let marked = try store.updateUser(auth.user.id) { u in
            guard isLive(auth.session, user: u, now: now) else { throw AccountError.notAuthenticated }
            u.deleteAfter = now + Int64(policy.deletionGrace)
            u.revokeSessions()
        }
        try invalidateCodes(of: marked.id)
        // Dead already by the epoch; their records go now rather than at gc.
        for s in try store.sessions(ofUser: marked.id) { try store.deleteSession(s.id) }
        audit.record("account_deletion_requested", at: now, user: marked.email, ip: client.ip,
                     [("delete_after", .string(UTCTime.rfc3339(marked.deleteAfter)))])
        mailRestoreCode(marked, client: client, now: now)
        return marked.deleteAfter
    }

    /// The restore code: the account's id, the hour its grace ends, and a
    /// keyed proof over them and the generation (a restore replaces it,
    /// so the code works once).
    func restoreToken(_ u: UserRecord) -> String {
        let hour = MailedToken.hour(ending: u.deleteAfter)
        return MailedToken(ids: [u.id], hour: hour, proof: restoreProof(u.id, generation: u.generation, hour: hour)).encoded
    }

    func restoreProof(_ uid: String, generation: String, hour: Int64) -> [UInt8] {
        keys.hash([uid, generation, String(hour)].joined(separator: "\u{0}"), domain: "account-restore", length: 16)
    }

    /// POST delete-account/restore: the account as it was, within the
    /// grace. Every session stays ended; the owner signs in again.
    @discardableResult
    package func restoreAccount(_ token: String, client: ClientInfo) throws -> UserRecord {
        let now = clock.now()
        guard let t = MailedToken(decoding: token, ids: 1) else { throw AccountError.invalidCode }
        let (uid, hour, proof) = (t.ids[0], t.hour, t.proof)
        let genuine = { (u: UserRecord) -> Bool in
            u.deleteAfter > now && hour == MailedToken.hour(ending: u.deleteAfter)
                && constantTimeEqual(proof, self.restoreProof(uid, generation: u.generation, hour: hour))
        }
        guard let user = try store.loadUser(uid), genuine(user) else { throw AccountError.invalidCode }
        let restored: UserRecord
        do {
            restored = try store.updateUser(uid) { u in
                // Decided again on the locked record: a purge or a parallel restore may have come first.
                guard genuine(u) else { throw AccountError.invalidCode }
                u.deleteAfter = 0
                u.generation = Hex.encode(random.bytes(16))
            }
        } catch StoreError.notFound {
            throw AccountError.invalidCode
        }
        audit.record("account_restored", at: now, user: restored.email, ip: client.ip)
        notify(restored, "account-restored", client: client, now: now)
        return restored
    }

    /// gatehousectl gc: every account whose grace is over goes, and any a
    /// purge began and did not finish. The number purged.
    package func purgeDeletedAccounts() throws -> Int {
        let now = clock.now()
        let due = { (u: UserRecord) in u.deleteAfter == UserRecord.purging || (u.deleteAfter > 0 && u.deleteAfter <= now) }
        var purged = 0
        for candidate in try store.allUsers() where due(candidate) {
            let marked: UserRecord
            do {
                marked = try store.updateUser(candidate.id) { u in
                    guard due(u) else { throw AccountError.changedMeanwhile }
                    u.deleteAfter = UserRecord.purging
                    u.revokeSessions()
                }
            } catch AccountError.changedMeanwhile {
                continue  // restored meanwhile
            } catch StoreError.notFound {
                continue
            }
            // Another gc at once may have finished it: the record was last.
            guard try removeAccount(marked) != nil else { continue }
            audit.record("account_purged", at: now, user: marked.email)
            purged += 1
        }
        return purged
    }

    /// Everything that names the account (its codes, its claims in the
    /// indexes, its sessions), then its record: a removal cut short leaves
    /// the record, which the next gc (or `user del`) finds and finishes,
    /// never a claim naming an account that is gone. The sessions ended;
    /// nil when the record was gone already (another removal finished).
    @discardableResult
    func removeAccount(_ user: UserRecord) throws -> Int? {
        try invalidateCodes(of: user.id)
        for passkey in user.passkeys { try store.release(in: .passkeys, passkeyKey(passkey.id), of: user.id) }
        try store.release(in: .addresses, addressKey(user.email), of: user.id)
        let sessions = try removeSessionFiles(of: user.id)
        return try store.deleteUser(user.id) ? sessions : nil
    }
}
