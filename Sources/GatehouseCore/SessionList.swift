import GatehouseCrypto
import GatehouseSystem

/// A person's own sessions: what the account home lists, and ending one
/// or all the others (docs/security.md "Sessions a person can end").
extension Accounts {
    /// One session as its owner sees it. `id` is a keyed hash of the
    /// record's id: it names the session to end it, and reveals nothing of
    /// the token (nor the stored id that the token hashes to).
    package struct SessionView: Sendable {
        package let id: String
        package let record: SessionRecord
        package let current: Bool
    }

    func publicID(of sessionID: String) -> String {
        keys.hex(sessionID, domain: "session-public", length: 16)
    }

    /// The live sessions of the caller's account, this one first, then the
    /// most recently used.
    package func sessions(of auth: Authenticated) throws -> [SessionView] {
        let now = clock.now()
        return try store.sessions(ofUser: auth.user.id)
            .filter { $0.kind == .session && isLive($0, user: auth.user, now: now) }
            .map { SessionView(id: publicID(of: $0.id), record: $0, current: $0.id == auth.session.id) }
            .sorted { ($0.current ? 1 : 0, $0.record.lastSeen) > ($1.current ? 1 : 0, $1.record.lastSeen) }
    }

    /// What ending a session by its listed id did.
    package enum Ended: Sendable {
        /// No live session of the account has that id (any more).
        case none
        /// Another session of the account ended.
        case other
        /// It was this very session: signed out.
        case this
    }

    /// Ends one session of the caller's account by its listed id. Ending
    /// this very session is signing out; any other needs the step-up
    /// window.
    package func endSession(_ id: String, _ auth: Authenticated, client: ClientInfo) throws -> Ended {
        guard let target = try sessions(of: auth).first(where: { constantTimeEqual($0.id, id) }) else { return .none }
        if target.current {
            try logout(auth)
            return .this
        }
        try requireRecentAuthentication(auth)
        guard try store.deleteSession(target.record.id) else { return .none }
        audit.record("session_ended", at: clock.now(), user: auth.user.email, ip: client.ip,
                     [("browser", .string(target.record.browser))])
        return .other
    }

    /// Ends every other session of the caller's account in one durable
    /// write (the epoch, this session kept as the one that survives it),
    /// then removes their records. Needs the step-up window.
    package func endOtherSessions(_ auth: Authenticated, client: ClientInfo) throws -> Int {
        try requireRecentAuthentication(auth)
        let others = try sessions(of: auth).filter { !$0.current }
        try updateStillSignedIn(auth) { $0.keepOnly(auth.session) }
        try removeSessionRecords(others)
        audit.record("other_sessions_ended", at: clock.now(), user: auth.user.email, ip: client.ip,
                     [("count", .int(others.count))])
        return others.count
    }

    /// After `keepOnly` ended them on the record (the durable part), their
    /// own records go too.
    func removeSessionRecords(_ ended: [SessionView]) throws {
        for s in ended { try store.deleteSession(s.record.id) }
    }
}

extension UserRecord {
    /// Every session and grant ends but `session`, in one write.
    mutating func keepOnly(_ session: SessionRecord) {
        revokeSessions()
        survivingSession = session.id
    }
}
