import GatehouseCrypto
import GatehouseSystem

/// The way back from an enrolment the owner did not make. A session taken
/// over inside its step-up window (a fresh sign-in counts) can enrol the
/// taker's app, and a reset by code never removes a factor; without this
/// the owner, who still has the password (changing it needs the old one)
/// and the mailbox, would need the administrator. The mail that tells of
/// an enrolment carries an undo code: entered at sign-in after the
/// password in place of the app's code, within `secondFactorUndoWindow`,
/// it removes the factor and ends every session, the taker's included.
///
/// The code is a keyed proof, not a record: it names the hour it expires,
/// and binds the account's generation, password hash and sealed secret, so
/// a new password (a reset by a mailbox thief), the factor replaced or
/// removed, or its own use ends it, decided on the locked record. A taker
/// who replaces their own enrolment sends the owner a new code with it. It
/// is refused after a sign-in by e-mailed code (the mailbox alone undoes
/// nothing) and at re-authentication.
extension Accounts {
    /// Three bytes name the hour it expires (hours since 1970), nine are
    /// the proof (72 bits, and every guess is counted like a code from the
    /// app): twenty base32 characters, shown in four groups of five.
    static let undoCodeLength = 20

    func undoCode(for user: UserRecord, now: Int64) -> String {
        let hour = (now + Int64(policy.secondFactorUndoWindow)) / 3600
        let text = Base32.encode(Self.hourBytes(hour) + undoProof(user, hour: hour))
        return stride(from: 0, to: text.count, by: 5).map { String(text.dropFirst($0).prefix(5)) }.joined(separator: "-")
    }

    func undoProof(_ user: UserRecord, hour: Int64) -> [UInt8] {
        let bound = [user.id, user.generation, user.passwordHash, user.secondFactor.totpSecret, String(hour)]
        return keys.hash(bound.joined(separator: "\u{0}"), domain: "mfa-undo", length: 9)
    }

    /// Whether `normalized` (as `RecoveryCode.normalized` leaves it) is an
    /// undo code for `user` as the record stands, and not yet expired.
    /// Constant-time in the proof.
    func isUndoCode(_ normalized: String, for user: UserRecord, now: Int64) -> Bool {
        guard normalized.utf8.count == Self.undoCodeLength, let bytes = Base32.decode(normalized), bytes.count == 12,
              user.secondFactor.enabled else { return false }
        let hour = Self.hour(bytes[0..<3])
        let genuine = constantTimeEqual(Array(bytes.dropFirst(3)), undoProof(user, hour: hour))
        return genuine && now < hour * 3600
    }

    /// An undo's expiry as it travels in a code: hours since 1970, three
    /// bytes (good until the year 3883).
    static func hourBytes(_ hour: Int64) -> [UInt8] {
        [UInt8(hour >> 16 & 0xFF), UInt8(hour >> 8 & 0xFF), UInt8(hour & 0xFF)]
    }

    static func hour(_ bytes: ArraySlice<UInt8>) -> Int64 {
        bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// Shaped like an undo code: checked as one, never as a TOTP code.
    static func looksLikeUndoCode(_ normalized: String) -> Bool {
        normalized.utf8.count == undoCodeLength
    }
}
