/// An e-mail address as Gatehouse stores and compares it: the domain is
/// lower-cased, the local part is kept as given (RFC 5321 §2.4: only the
/// receiving host may interpret it), exactly as the FastAPI original did.
public struct EmailAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public var description: String { localPart + "@" + domain }

    /// Messages follow the email-validator wording that pydantic's EmailStr
    /// (and so the original's 422 bodies) used.
    public enum Problem: Error, Equatable, Sendable {
        case noAtSign, emptyLocalPart, emptyDomain, tooLong, localPartTooLong, badCharacter, badDomain

        public var reason: String {
            switch self {
            case .noAtSign: return "An email address must have an @-sign."
            case .emptyLocalPart: return "There must be something before the @-sign."
            case .emptyDomain: return "There must be something after the @-sign."
            case .tooLong: return "The email address is too long."
            case .localPartTooLong: return "The email address is too long before the @-sign."
            case .badCharacter: return "The email address contains invalid characters."
            case .badDomain: return "The part after the @-sign is not valid."
            }
        }
    }

    /// Pure validator. Accepts `Name <addr>` as pydantic did; rejects control
    /// characters outright, so CR/LF can never reach a mail header.
    public static func parse(_ raw: String) -> Result<EmailAddress, Problem> {
        var text = Substring(raw)
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return .failure(.badCharacter) }
        if text.hasSuffix(">"), let open = text.lastIndex(of: "<") {
            text = text[text.index(after: open)..<text.index(before: text.endIndex)]
        }
        text = Substring(text.trimmingCharacters(" "))
        guard let at = text.lastIndex(of: "@") else { return .failure(.noAtSign) }
        let local = String(text[..<at]), domain = String(text[text.index(after: at)...]).lowercased()
        guard !local.isEmpty else { return .failure(.emptyLocalPart) }
        guard !domain.isEmpty else { return .failure(.emptyDomain) }
        // RFC 5321 §4.5.3.1: local part ≤ 64 octets, path ≤ 256 (254 usable).
        guard local.utf8.count <= 64 else { return .failure(.localPartTooLong) }
        guard local.utf8.count + 1 + domain.utf8.count <= 254 else { return .failure(.tooLong) }
        let specials: Set<Character> = [" ", "\"", "(", ")", ",", ":", ";", "<", ">", "@", "[", "\\", "]"]
        guard !local.contains(where: { specials.contains($0) }), !local.hasPrefix("."), !local.hasSuffix("."),
              !local.contains("..") else { return .failure(.badCharacter) }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
        }) else { return .failure(.badDomain) }
        return .success(EmailAddress(localPart: local, domain: domain))
    }
}

extension StringProtocol {
    func trimmingCharacters(_ c: Character) -> Substring {
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return s
    }
}
