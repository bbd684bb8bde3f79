/// Parsers for `gatehousectl import`: pure, one line in, an entry or a
/// reason out.
public enum ImportFormat: String, CaseIterable, Sendable {
    /// `user:hash` as written by `htpasswd -B` (Apache's MD5 `$apr1$` is refused).
    case htpasswd
    /// /etc/shadow-style `user:hash:lastchg:…`; `!`/`*` hashes are refused.
    case shadow
    /// `email,hash` with an optional header line `email,hash`.
    case csv

    public struct Entry: Equatable, Sendable {
        package let email: String
        package let hash: String
    }

    /// nil for lines to skip (blank, comment, CSV header).
    public func parse(_ line: Substring) -> Result<Entry, ImportProblem>? {
        let text = line.hasSuffix("\r") ? line.dropLast() : line
        if text.allSatisfy({ $0 == " " || $0 == "\t" }) || text.hasPrefix("#") { return nil }
        let separator: Character = self == .csv ? "," : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        switch self {
        case .htpasswd:
            guard parts.count == 2 else { return .failure(.malformed("expected user:hash")) }
        case .shadow:
            guard parts.count >= 2 else { return .failure(.malformed("expected user:hash:…")) }
        case .csv:
            guard parts.count == 2 else { return .failure(.malformed("expected email,hash")) }
            if parts[0].lowercased() == "email" { return nil }
        }
        let user = parts[0], hash = parts[1]
        if hash.hasPrefix("!") || hash.hasPrefix("*") || hash.isEmpty { return .failure(.noPassword(user)) }
        return .success(Entry(email: user, hash: hash))
    }
}

public enum ImportProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case noPassword(String)

    public var description: String {
        switch self {
        case .malformed(let why): return why
        case .noPassword(let user): return "\(user) has a disabled or empty password"
        }
    }
}
