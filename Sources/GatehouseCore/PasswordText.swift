/// A password as the policy sees it: NFC-normalised, so the same characters
/// typed on different keyboards hash the same, and measured in code points
/// (what pydantic's min_length counted).
package struct PasswordText: Sendable {
    package let normalized: String

    package init(_ raw: String) {
        // The standard library's own NFC (the one Foundation uses); public
        // but underscored, and the only normaliser without linking ICU.
        normalized = String(decoding: raw._nfcCodeUnits, as: UTF8.self)
    }

    package var length: Int { normalized.unicodeScalars.count }

    package var containsNUL: Bool { normalized.utf8.contains(0) }
}

import GatehouseCrypto

extension PasswordText {
    /// Constant-time equality after NFC: "new" and "confirm" typed with
    /// different keyboards still match.
    package func matches(_ other: PasswordText) -> Bool {
        constantTimeEqual(normalized, other.normalized)
    }
}
