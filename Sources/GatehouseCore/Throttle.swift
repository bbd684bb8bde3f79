import GatehouseStore

import GatehouseCrypto

extension Accounts {
    /// The sign-in failure counters: per account (keyed whether or not the
    /// account exists) and per client address. Sign-in, change-password and
    /// unlock must agree on them.
    func signInAccountCounter(_ name: String) -> String { keys.hex(name, domain: "signin-account") }
    func signInClientCounter(_ clientIP: String) -> String { keys.hex(clientIP, domain: "signin-ip") }
}

/// Sign-in back-off (docs/security.md): after `freeFailures` consecutive failures each
/// further one doubles the wait, up to `maxDelay`; at `lockAfter` consecutive
/// failures on one account it locks (NIST SP 800-63B allows at most 100).
/// Pure arithmetic over a `CounterRecord`; the store keeps the counters.
public struct ThrottlePolicy: Sendable, Equatable {
    public var freeFailures: Int
    public var baseDelay: Int
    public var maxDelay: Int
    public var lockAfter: Int
    /// A counter whose last failure is older than this is forgotten.
    public var forgetAfter: Int

    public init(freeFailures: Int = 5, baseDelay: Int = 1, maxDelay: Int = 900, lockAfter: Int = 100,
                forgetAfter: Int = 86_400) {
        self.freeFailures = freeFailures
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.lockAfter = lockAfter
        self.forgetAfter = forgetAfter
    }

    /// Seconds to wait before another attempt is even considered, or nil.
    public func retryAfter(_ c: CounterRecord, now: Int64) -> Int? {
        c.until > now ? Int(c.until - now) : nil
    }

    public func isLocked(_ c: CounterRecord, now: Int64) -> Bool {
        isLive(c, now: now) && c.count >= lockAfter
    }

    public func isLive(_ c: CounterRecord, now: Int64) -> Bool {
        now - c.last < Int64(forgetAfter)
    }

    public func recordFailure(_ c: inout CounterRecord, now: Int64) {
        if !isLive(c, now: now) { c = CounterRecord() }
        c.count += 1
        c.last = now
        if c.count >= freeFailures {
            let doublings = min(c.count - freeFailures, 30)
            c.until = now + Int64(min(maxDelay, baseDelay << doublings))
        }
    }
}
