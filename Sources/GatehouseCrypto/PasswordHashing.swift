import CCrypt
import CSodium

/// Outcome of checking a password against a stored hash.
package enum PasswordCheck: Equatable, Sendable {
    case mismatch
    /// `needsRehash`: the hash is a legacy format or older Argon2id
    /// parameters; store a fresh hash now that the password is known.
    case match(needsRehash: Bool)
    /// The stored string is not a hash this build understands.
    case unsupported
}

/// Hashing behind a protocol so the account core can be tested with cheap
/// parameters and a future back end can swap the algorithm.
package protocol PasswordHasher: Sendable {
    func hash(_ password: String) throws -> String
    func check(_ password: String, against stored: String) -> PasswordCheck
    /// True when `stored` is not a hash at this hasher's current parameters.
    func isStale(_ stored: String) -> Bool
}

package struct PasswordHashError: Error, CustomStringConvertible {
    package let description: String
}

/// Argon2id through libsodium (`crypto_pwhash_str`), with verification of
/// imported bcrypt, yescrypt and sha512-crypt hashes through libxcrypt.
package struct Argon2idHasher: PasswordHasher {
    package let opsLimit: UInt64
    package let memLimitBytes: Int

    /// Defaults are OWASP's minimum for Argon2id: m = 19 MiB, t = 2.
    package init(opsLimit: UInt64 = 2, memLimitKiB: Int = 19 * 1024) {
        Sodium.require()
        self.opsLimit = opsLimit
        self.memLimitBytes = memLimitKiB * 1024
    }

    package func hash(_ password: String) throws -> String {
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        // Passwords never contain NUL (input validation), so the C string
        // bridge passes exactly the UTF-8 bytes.
        let rc = crypto_pwhash_str_alg(&out, password, UInt64(password.utf8.count),
                                       opsLimit, memLimitBytes, crypto_pwhash_ALG_ARGON2ID13)
        guard rc == 0 else { throw PasswordHashError(description: "argon2id hashing failed (out of memory?)") }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package func check(_ password: String, against stored: String) -> PasswordCheck {
        switch HashFormat(stored) {
        case .argon2:
            let ok = crypto_pwhash_str_verify(stored, password, UInt64(password.utf8.count)) == 0
            guard ok else { return .mismatch }
            return .match(needsRehash: isStale(stored))
        case .crypt:
            guard let computed = cryptHash(password, setting: stored) else { return .unsupported }
            return constantTimeEqual(computed, stored) ? .match(needsRehash: true) : .mismatch
        case .unknown:
            return .unsupported
        }
    }
}

/// Hash formats accepted on import (docs/security.md).
package enum HashFormat: Equatable {
    case argon2, crypt, unknown

    package init(_ stored: String) {
        if stored.hasPrefix("$argon2id$") || stored.hasPrefix("$argon2i$") {
            self = .argon2
        } else if ["$2y$", "$2b$", "$2a$", "$y$", "$6$"].contains(where: stored.hasPrefix) {
            self = .crypt
        } else {
            self = .unknown
        }
    }
}

/// libxcrypt's `crypt_r`; its scratch area is ~32 KiB, so it lives on the heap.
func cryptHash(_ password: String, setting: String) -> String? {
    let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
    defer {
        // The scratch area held the password: wipe it before freeing.
        sodium_memzero(data, MemoryLayout<crypt_data>.size)
        data.deallocate()
    }
    UnsafeMutableRawPointer(data).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
    guard let result = crypt_r(password, setting, data) else { return nil }
    let text = String(cString: result)
    // libxcrypt signals failure with a string starting with '*'.
    if text.hasPrefix("*") { return nil }
    return text
}

extension Argon2idHasher {
    package func isStale(_ stored: String) -> Bool {
        guard stored.hasPrefix("$argon2id$") else { return true }
        return crypto_pwhash_str_needs_rehash(stored, opsLimit, memLimitBytes) != 0
    }
}
