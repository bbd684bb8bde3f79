import GatehouseJSON

extension Accounts {
    /// Sign-ins come at the rate of someone's requests: an account of their
    /// own, signed in again and again, would make the site's hooks run (and
    /// the events' spool grow) as fast as they ask. The events of sign-ins
    /// (signin.succeeded, signin.new_device, password.breached) are at most
    /// this many an hour per account; the audit lines are all written.
    static let signInEventsPerHour = 20

    /// Whether this sign-in's event may go to the hooks (spends one of the
    /// hour's, only when a hook is configured).
    func signInEvent(_ user: UserRecord, now: Int64) -> EventOutcome {
        guard audit.publishesEvents else { return .publish }
        let budget = Budget(key: keys.hex(user.id, domain: "signin-event-hour"), window: RateWindow(limit: Self.signInEventsPerHour))
        do {
            return try take([budget], now: now) == nil ? .publish : .none
        } catch {
            logger.error("sign-in event budget not kept: \(error)")
            return .publish
        }
    }

    /// The audit line of a session opened, and its event within the budget.
    func recordSignIn(_ user: UserRecord, ip: String, _ extra: [(String, JSONValue)], now: Int64) {
        audit.record("signin_ok", at: now, user: user.email, ip: ip, extra, hooks: signInEvent(user, now: now))
    }
}
