import GatehouseCrypto
import GatehouseSystem

/// A passkey ceremony's challenge: 16 random bytes, the time it expires,
/// and a keyed proof over both with what it is for (registration, sign-in,
/// a second step) and whom (the session or the ticket it was given to).
/// Nothing is written when one is shown, so a page view or an options
/// request costs no disk; a challenge is spent when a response to it is
/// honoured, by a marker in the counter table decided under its lock, so
/// a replayed response, or eight copies of one sent at once, find it spent.
extension Accounts {
    package enum CeremonyPurpose: String, Sendable {
        case register, signIn = "sign-in", secondStep = "second-step"
    }

    static let challengeNonceBytes = 16

    func issueChallenge(_ purpose: CeremonyPurpose, binding: String, now: Int64) -> [UInt8] {
        let nonce = random.bytes(Self.challengeNonceBytes)
        let expires = now + Int64(policy.passkeyChallengeLifetime)
        let time = (0..<8).map { UInt8(truncatingIfNeeded: expires >> (56 - 8 * $0)) }
        return nonce + time + challengeProof(purpose, binding: binding, nonce: nonce, expires: expires)
    }

    func challengeProof(_ purpose: CeremonyPurpose, binding: String, nonce: [UInt8], expires: Int64) -> [UInt8] {
        keys.hash([purpose.rawValue, binding, Hex.encode(nonce), String(expires)].joined(separator: "\u{0}"),
                  domain: "passkey-challenge", length: 16)
    }

    /// A challenge this site issued for `purpose` and `binding`, still
    /// valid: its nonce and expiry. Constant-time in the proof.
    func checkChallenge(_ challenge: [UInt8], _ purpose: CeremonyPurpose, binding: String,
                        now: Int64) -> (nonce: [UInt8], expires: Int64)? {
        let n = Self.challengeNonceBytes
        guard challenge.count == n + 8 + 16 else { return nil }
        let nonce = Array(challenge[0..<n])
        let expires = challenge[n..<n + 8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard constantTimeEqual(Array(challenge[(n + 8)...]), challengeProof(purpose, binding: binding, nonce: nonce, expires: expires)),
              now < expires else { return nil }
        return (nonce, expires)
    }

    /// Spends a checked challenge: true the first time, false ever after
    /// (until it has expired, when it is refused anyway).
    func spendChallenge(_ nonce: [UInt8], expires: Int64, now: Int64) throws -> Bool {
        var first = false
        try store.updateCounter(keys.hex(Hex.encode(nonce), domain: "passkey-challenge-spent")) { c in
            first = c.count == 0
            guard first else { return }
            c.count = 1
            c.last = now
            c.expires = expires
            c.holdUntil = expires
        }
        return first
    }
}
