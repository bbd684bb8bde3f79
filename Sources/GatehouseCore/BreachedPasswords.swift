import GatehouseCrypto

/// The corpus of passwords known from breaches, as the core asks it: by
/// the first 8 bytes of a password's SHA-1 (the corpus names passwords by
/// SHA-1). Owned here; the filter file under data_dir is one answer.
package protocol BreachedPasswords: Sendable {
    /// nil when there is no corpus to ask (none imported).
    func contains(sha1Key: UInt64) throws -> Bool?
}

/// `breached_passwords`.
package enum BreachResponse: Sendable {
    case refuse, warn, off
}

extension Accounts {
    package static let breachedReason = "this password is in a breach of another site's passwords; choose another"

    /// Whether the corpus has the password; false when there is none to ask.
    func isBreached(_ text: PasswordText) throws -> Bool {
        guard let breached else { return false }
        let digest = try HMACSHA1.sha1(Array(text.normalized.utf8))
        let key = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return try breached.contains(sha1Key: key) == true
    }

    /// A password in the corpus is refused wherever one is set (a change,
    /// a reset, a sign-up, `gatehousectl user add` and `set-password`),
    /// beside the blocklist; the count the corpus gives is never shown.
    func checkNotBreached(_ text: PasswordText, field: String) throws {
        guard policy.breachedPasswords == .refuse else { return }
        if try isBreached(text) {
            throw AccountError.invalidField(field: field, reason: Self.breachedReason)
        }
    }

    /// With `breached_passwords = warn`: whether a password just set (and
    /// taken) should be changed, for the answer to say so. A corpus that
    /// cannot be read warns of nothing.
    package func breachWarning(for password: String) -> Bool {
        guard policy.breachedPasswords == .warn else { return false }
        do {
            return try isBreached(PasswordText(password))
        } catch {
            logger.error("breached-password check not done: \(error)")
            return false
        }
    }

    /// At a sign-in whose password was right: whether to ask its owner to
    /// change it (`breached_password_signin`). Recorded (an event the site
    /// may act on) only once the sign-in went through.
    func breachedAtSignIn(_ text: PasswordText) -> Bool {
        guard policy.promptBreachedAtSignIn else { return false }
        do {
            return try isBreached(text)
        } catch {
            logger.error("breached-password check not done: \(error)")
            return false
        }
    }
}
