import GatehouseCrypto
import GatehouseSystem

/// Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226) as every
/// authenticator app makes them: HMAC-SHA1, 6 digits, 30-second steps.
/// Pure apart from the MAC: the time and the last step an account used are
/// arguments, so the rule that a step is accepted at most once is decided
/// by the caller, on the stored step, under the account's lock.
package struct TOTP: Sendable {
    package var digits = 6
    package var period: Int64 = 30
    /// Steps of clock drift accepted either way.
    package var drift: Int64 = 1

    package init(digits: Int = 6, period: Int64 = 30, drift: Int64 = 1) {
        self.digits = digits
        self.period = period
        self.drift = drift
    }

    package func step(at time: Int64) -> Int64 { time >= 0 ? time / period : (time - period + 1) / period }

    /// HOTP of `counter` (RFC 4226 §5.3: dynamic truncation).
    package func code(secret: [UInt8], counter: Int64) throws(HMACSHA1.Unavailable) -> String {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: counter) >> (56 - 8 * UInt64($0))) }
        let mac = try HMACSHA1.mac(key: secret, message: message)
        let offset = Int(mac[19] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The step `presented` is the code of, among the steps within the
    /// drift of `time` and later than `lastUsed` (a step is accepted at most
    /// once per account); nil when none. Every candidate is computed and
    /// compared in constant time, so the time taken says nothing about which
    /// one matched, or whether one did.
    package func acceptedStep(_ presented: String, secret: [UInt8], at time: Int64,
                              after lastUsed: Int64) throws(HMACSHA1.Unavailable) -> Int64? {
        let given = Array(presented.utf8)
        guard given.count == digits, given.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let now = step(at: time)
        var found: Int64?
        for candidate in (now - drift)...(now + drift) {
            let matches = constantTimeEqual(Array(try code(secret: secret, counter: candidate).utf8), given)
            if matches && candidate > lastUsed && found == nil { found = candidate }
        }
        return found
    }

    /// The otpauth:// URI an authenticator app reads from the QR code
    /// (Google's Key Uri Format): the account's address as the label, the
    /// site's name as issuer.
    package func uri(secret: [UInt8], account: String, issuer: String) -> String {
        // RFC 3986's unreserved characters stay; everything else (":" and "@" too) is escaped.
        let escape = { (s: String) in
            PercentEncoding.encode(s) { b in
                (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45 || b == 46 || b == 95 || b == 126
            }
        }
        return "otpauth://totp/\(escape(issuer)):\(escape(account))?secret=\(Base32.encode(secret))&issuer=\(escape(issuer))"
            + "&algorithm=SHA1&digits=\(digits)&period=\(period)"
    }
}
