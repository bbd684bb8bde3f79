import GatehouseCrypto

/// Sign-in back-off (docs/security.md): after `freeFailures` consecutive
/// failures each further one doubles the wait, up to `maxDelay`; at
/// `lockAfter` consecutive failures on one account it locks (NIST SP 800-63B
/// allows at most 100). Per client address there is a separate, higher
/// hourly budget of failures that never locks anything. Pure arithmetic over
/// `CounterRecord`s; the store keeps the counters.
package struct ThrottlePolicy: Sendable, Equatable {
    package var freeFailures: Int
    package var baseDelay: Int
    package var maxDelay: Int
    package var lockAfter: Int
    /// A counter whose last failure is older than this is forgotten.
    package var forgetAfter: Int
    /// Failed sign-ins (and old-password checks) per client address per hour.
    package var clientFailuresPerHour: Int

    package init(freeFailures: Int = 5, baseDelay: Int = 1, maxDelay: Int = 900, lockAfter: Int = 100,
                forgetAfter: Int = 86_400, clientFailuresPerHour: Int = 100) {
        self.freeFailures = freeFailures
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.lockAfter = lockAfter
        self.forgetAfter = forgetAfter
        self.clientFailuresPerHour = clientFailuresPerHour
    }

    package enum Refusal: Equatable, Sendable {
        case locked
        case wait(Int)
    }

    /// The one atomic step a guess takes under the counter's lock: refuse
    /// it (locked, or backing off), or count it as a failure before the
    /// password is even looked at. A success clears the count afterwards;
    /// so W parallel guesses are W failures, and a burst cannot outrun the
    /// back-off or see more than `lockAfter` verifications.
    package func reserve(_ c: inout CounterRecord, now: Int64) -> Refusal? {
        if !isLive(c, now: now) { c = CounterRecord() }
        if c.count >= lockAfter { return .locked }
        if c.until > now { return .wait(Int(c.until - now)) }
        recordFailure(&c, now: now)
        return nil
    }

    /// The second factor's own count (`Accounts.proveSecondFactor`): the
    /// same back-off and limit, remembered for 30 days after the last wrong
    /// code, and cleared only by a right one or the administrator.
    package var secondFactor: ThrottlePolicy {
        var p = self
        p.forgetAfter = max(forgetAfter, 30 * 86_400)
        return p
    }

    package func isLive(_ c: CounterRecord, now: Int64) -> Bool {
        now - c.last < Int64(forgetAfter)
    }

    package func recordFailure(_ c: inout CounterRecord, now: Int64) {
        if !isLive(c, now: now) { c = CounterRecord() }
        c.count += 1
        c.last = now
        if c.count >= freeFailures {
            let doublings = min(c.count - freeFailures, 30)
            c.until = now + Int64(min(maxDelay, baseDelay << doublings))
        }
        // Forgotten a day after the last failure; until then it must be
        // kept while it refuses: a lock, or a back-off still running. The
        // count on its way to the lock is not held: a full counter table
        // may forget it, which gives back at most `freeFailures` guesses.
        c.expires = c.last + Int64(forgetAfter)
        c.holdUntil = c.count >= lockAfter ? c.expires : c.until
    }

}

/// A guess that has been counted and may now be checked; it ends as a
/// failure (the counts stand) or a success (the account's count is cleared,
/// the client's own reservations given back).
struct SignInAttempt {
    let accountKey: String
    let clientBudgets: [Budget]
    /// The account's consecutive failures, this guess included.
    let count: Int
}

/// A client past its hourly budget: already in the audit log (thinned), so
/// callers must not record it again. Becomes AccountError.throttled.
struct ClientThrottled: Error {
    let retryAfter: Int
}

extension Accounts {
    /// ClientThrottled as the callers of the core see it.
    func throttleAnswered<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let t as ClientThrottled { throw AccountError.throttled(retryAfter: t.retryAfter) }
    }

    /// The sign-in failure counters: per account (keyed whether or not the
    /// account exists) and per client network. Sign-in, change-password and
    /// unlock must agree on them.
    func signInAccountCounter(_ name: String) -> String { keys.hex(name, domain: "signin-account") }
    func signInClientBudgets(_ clientIP: String) -> [Budget] {
        clientBudgets("signin-ip", clientIP: clientIP, perHour: policy.throttle.clientFailuresPerHour)
    }

    /// Counts a guess at `account` from `clientIP` before it is checked:
    /// first against the client's hourly budgets, then against the account's
    /// back-off and lock. A refused guess costs neither (the client's
    /// reservations are given back when the account refuses).
    func beginSignInAttempt(account: String, clientIP: String, now: Int64) throws -> SignInAttempt {
        let t = policy.throttle
        let budgets = try beginClientAttempt(clientIP: clientIP, now: now)

        let accountKey = signInAccountCounter(account)
        var refusal: ThrottlePolicy.Refusal?
        let counter = try store.updateCounter(accountKey) { refusal = t.reserve(&$0, now: now) }
        if let refusal {
            try giveBack(budgets, now: now)
            switch refusal {
            case .locked: throw AccountError.accountLocked
            case .wait(let seconds): throw AccountError.throttled(retryAfter: max(1, seconds))
            }
        }
        return SignInAttempt(accountKey: accountKey, clientBudgets: budgets, count: counter.count)
    }

    /// Takes one guess from the client's hourly budgets (its network's and
    /// the wider network's); the budgets it took from.
    func beginClientAttempt(clientIP: String, now: Int64) throws -> [Budget] {
        let budgets = signInClientBudgets(clientIP)
        if let spent = try take(budgets, now: now) {
            // The client's own flood: thinned to milestones (AuditTrail.isMilestone).
            if AuditTrail.isMilestone(spent.refusals) {
                audit.record("signin_throttled", at: now, ip: clientIP, [("refused_so_far", .int(spent.refusals))])
            }
            throw ClientThrottled(retryAfter: spent.wait)
        }
        return budgets
    }

    /// The guess was wrong: its counts stand. The guess that reaches the
    /// limit locks the account durably (the counter alone is loss-tolerant);
    /// a reset through an e-mailed code lifts that lock.
    func signInFailed(_ attempt: SignInAttempt, user: UserRecord?, clientIP: String, now: Int64) throws {
        // The account is being guessed at: an event a site may act on, at
        // the failures that start the back-off and then at the 2nd, 4th,
        // 8th… after it (a few dozen to the lock, however long the guessing
        // goes on). An address without an account, or a locked one, does
        // the same work and publishes nothing, so neither its time nor its
        // disk writes say whether the account exists.
        let past = attempt.count - policy.throttle.freeFailures + 1
        if past >= 1 && AuditTrail.isMilestone(past) {
            audit.record("signin_backoff", at: now, user: user?.email, ip: clientIP, [("failures_in_a_row", .int(attempt.count))],
                         hooks: user?.lock == UserRecord.Lock.none ? .publishLater : .decoy)
        }
        guard attempt.count >= policy.throttle.lockAfter, let user else { return }
        var locked = false
        try store.updateUser(user.id) {
            if $0.lock == .none && $0.generation == user.generation {
                $0.lock = .failures
                locked = true
            }
        }
        if locked { audit.record("account_locked", at: now, user: user.email, ip: clientIP, hooks: .publishLater) }
    }

    /// The password was right: the account's consecutive failures end, and
    /// the client's budgets get this guess back. Never more than that: a
    /// success must not wipe failures the same client made elsewhere.
    func signInSucceeded(_ attempt: SignInAttempt, now: Int64) throws {
        try store.resetCounter(attempt.accountKey)
        try giveBack(attempt.clientBudgets, now: now)
    }
}
