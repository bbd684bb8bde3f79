import GatehouseCrypto

/// The corpus of passwords known from breaches, as the core asks it: by
/// the first 8 bytes of a password's SHA-1 (the corpus names passwords by
/// SHA-1). Owned here; the filter file under data_dir is one answer.
package protocol BreachedPasswords: Sendable {
    /// nil when there is no corpus to ask (none imported).
    func contains(sha1Key: UInt64) throws -> Bool?
}

extension Accounts {
    /// A password in the corpus is refused wherever one is set (a change,
    /// a reset, a sign-up, `gatehousectl user add` and `set-password`),
    /// beside the blocklist; the count the corpus gives is never shown.
    func checkNotBreached(_ text: PasswordText, field: String) throws {
        guard policy.refuseBreachedPasswords, let breached else { return }
        let digest = try HMACSHA1.sha1(Array(text.normalized.utf8))
        let key = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if try breached.contains(sha1Key: key) == true {
            throw AccountError.invalidField(field: field, reason: "this password is in a breach of another site's passwords; choose another")
        }
    }
}
