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
        if let ascii = parseASCII(raw) { return ascii }
        return parseScalars(raw)
    }

    /// The same rules on the UTF-8 bytes of an address that is all ASCII,
    /// the usual case (every stored address is parsed again as it is read,
    /// and the general path's generic collections cost a CGI exec more than
    /// the rest of the parse). nil for any other address. Tested against
    /// `parseScalars` on generated inputs.
    package static func parseASCII(_ raw: String) -> Result<EmailAddress, Problem>? {
        return raw.utf8.withContiguousStorageIfAvailable { b -> Result<EmailAddress, Problem>? in
            var lo = 0, hi = b.count
            for i in 0..<hi where b[i] >= 0x80 { return nil }
            for i in 0..<hi where b[i] < 0x20 || b[i] == 0x7f { return .failure(.badCharacter) }
            if hi > 0, b[hi - 1] == UInt8(ascii: ">"), let open = (0..<hi).last(where: { b[$0] == UInt8(ascii: "<") }) {
                lo = open + 1
                hi -= 1
            }
            while lo < hi && b[lo] == 32 { lo += 1 }
            while hi > lo && b[hi - 1] == 32 { hi -= 1 }
            guard let at = (lo..<hi).last(where: { b[$0] == UInt8(ascii: "@") }) else { return .failure(.noAtSign) }
            let localCount = at - lo, domainCount = hi - at - 1
            guard localCount > 0 else { return .failure(.emptyLocalPart) }
            guard domainCount > 0 else { return .failure(.emptyDomain) }
            guard localCount <= 64 else { return .failure(.localPartTooLong) }
            guard localCount + 1 + domainCount <= 254 else { return .failure(.tooLong) }
            for i in lo..<at {
                switch b[i] {
                case 32, 34, 40, 41, 44, 58, 59, 60, 62, 64, 91, 92, 93: return .failure(.badCharacter)  //  "(),:;<>@[\]
                case 46 where i == lo || i == at - 1 || b[i + 1] == 46: return .failure(.badCharacter)
                default: continue
                }
            }
            var domain = [UInt8](), labels = 1, labelStart = at + 1
            domain.reserveCapacity(domainCount)
            for i in (at + 1)...hi {
                if i == hi || b[i] == 46 {
                    let length = i - labelStart
                    guard length > 0, length <= 63, b[labelStart] != 45, b[i - 1] != 45 else { return .failure(.badDomain) }
                    if i < hi { labels += 1; domain.append(46) }
                    labelStart = i + 1
                    continue
                }
                let c = b[i] >= 65 && b[i] <= 90 ? b[i] + 32 : b[i]
                guard (97...122).contains(c) || (48...57).contains(c) || c == 45 else { return .failure(.badDomain) }
                domain.append(c)
            }
            guard labels >= 2 else { return .failure(.badDomain) }
            return .success(EmailAddress(localPart: String(decoding: UnsafeBufferPointer(rebasing: b[lo..<at]), as: UTF8.self),
                                         domain: String(decoding: domain, as: UTF8.self)))
        } ?? nil
    }

    /// The rules on Unicode scalars: any address.
    package static func parseScalars(_ raw: String) -> Result<EmailAddress, Problem> {
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
        guard !localScalars.contains(where: { specials.contains($0) }), localScalars.first != ".", localScalars.last != ".",
              !zip(localScalars, localScalars.dropFirst()).contains(where: { $0 == "." && $1 == "." }) else {
            return .failure(.badCharacter)
        }
        let labels = Array(domain.unicodeScalars).split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.reduce(0, { $0 + UTF8.width($1) }) <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy(isDomainScalar)
        }) else { return .failure(.badDomain) }
        return .success(EmailAddress(localPart: local, domain: domain))
    }

    static let specials: Set<Unicode.Scalar> = [" ", "\"", "(", ")", ",", ":", ";", "<", ">", "@", "[", "\\", "]"]

    /// A letter, a digit or a hyphen. ASCII is answered without the Unicode
    /// tables: every stored address is parsed again as it is read.
    static func isDomainScalar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            return ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "-"
        }
        return s.properties.isAlphabetic
    }
}
