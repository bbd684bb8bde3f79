extension Accounts {
    /// gatehousectl gc: accounts whose grace after asking to be deleted
    /// is over, expired and revoked sessions, expired codes, and counters
    /// whose back-off and hourly window are both long over.
    package func collectGarbage(in store: StoreMaintenance) throws -> GCReport {
        let purged = try purgeDeletedAccounts()
        let now = clock.now()
        var users: [String: UserRecord?] = [:]
        var report = try store.collectGarbage(sessionDead: { s in
            if users[s.userID] == nil { users[s.userID] = .some(try? self.store.loadUser(s.userID)) }
            return !isLive(s, user: users[s.userID] ?? nil, now: now)
        }, codeDead: { $0.expires <= now }, counterDead: { c in
            c.until + 3600 <= now && !policy.throttle.isLive(c, now: now)
        })
        report.accounts = purged
        return report
    }
}
