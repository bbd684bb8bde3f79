/// An e-mail address as Gatehouse stores and compares it: the domain is
/// lower-cased, the local part is kept as given (RFC 5321 §2.4: only the
/// receiving host may interpret it), exactly as the FastAPI original did.
public struct EmailAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    package let localPart: String
    package let domain: String

    public var description: String { localPart + "@" + domain }

    /// Messages follow the email-validator wording that pydantic's EmailStr
    /// (and so the original's 422 bodies) used.
    public enum Problem: Error, Equatable, Sendable {
        case noAtSign, emptyLocalPart, emptyDomain, tooLong, localPartTooLong, badCharacter, badDomain

        package var reason: String {
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
    /// characters outright, so CR/LF can never reach a mail header. Works on
    /// Unicode scalars, not Characters: "@" or "<" followed by a combining
    /// mark is one Character, and must not hide from the checks.
    public static func parse(_ raw: String) -> Result<EmailAddress, Problem> {
        var text = Array(raw.unicodeScalars)
        if text.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return .failure(.badCharacter) }
        if text.last == ">", let open = text.lastIndex(of: "<") {
            text = Array(text[(open + 1)..<(text.count - 1)])
        }
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        guard let at = text.lastIndex(of: "@") else { return .failure(.noAtSign) }
        let localScalars = text[..<at], domainScalars = text[(at + 1)...]
        var local = "", domain = ""
        local.unicodeScalars.append(contentsOf: localScalars)
        domain.unicodeScalars.append(contentsOf: domainScalars)
        domain = domain.lowercased()
        guard !local.isEmpty else { return .failure(.emptyLocalPart) }
        guard !domain.isEmpty else { return .failure(.emptyDomain) }
        // RFC 5321 §4.5.3.1: local part ≤ 64 octets, path ≤ 256 (254 usable).
        guard local.utf8.count <= 64 else { return .failure(.localPartTooLong) }
        guard local.utf8.count + 1 + domain.utf8.count <= 254 else { return .failure(.tooLong) }
        let specials: Set<Unicode.Scalar> = [" ", "\"", "(", ")", ",", ":", ";", "<", ">", "@", "[", "\\", "]"]
        guard !localScalars.contains(where: { specials.contains($0) }), localScalars.first != ".", localScalars.last != ".",
              !zip(localScalars, localScalars.dropFirst()).contains(where: { $0 == "." && $1 == "." }) else {
            return .failure(.badCharacter)
        }
        let labels = Array(domain.unicodeScalars).split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.reduce(0, { $0 + UTF8.width($1) }) <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }
        }) else { return .failure(.badDomain) }
        return .success(EmailAddress(localPart: local, domain: domain))
    }
}
