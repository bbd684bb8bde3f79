import GatehouseHTTP
import GatehouseJSON
import GatehouseSystem

/// The texts of one language: `<templates_dir>/locales/<language>.txt`, lines
/// of `key = text` (`#` starts a comment). A text may name values as
/// `{name}`. Site owners add a language by adding a file: no rebuild.
///
/// Two kinds of keys: the pages' own (`signin.title`), and `api: ` followed
/// by an English message of the JSON API (which never changes, for its
/// clients' sake), giving the words a page shows for it. Pure: parsing
/// does no I/O.
public struct Catalogue: Sendable {
    package let language: String
    let texts: [String: String]

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(language: String, source: String) throws(ParseError) {
        var texts = [String: String]()
        // "\r\n" is one Character: splitting on isNewline takes both endings.
        for (n, line) in source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstRange(of: " = ") else {
                throw ParseError(description: "line \(n + 1): expected `key = text`")
            }
            let key = String(trimmed[..<eq.lowerBound])
            let text = trimmed[eq.upperBound...]
            guard texts[key] == nil else { throw ParseError(description: "line \(n + 1): \(key) given twice") }
            texts[key] = String(text)
        }
        self.language = language
        self.texts = texts
    }

    public var keys: Set<String> { Set(texts.keys) }

    public func text(_ key: String) -> String? { texts[key] }

    /// `dir` of the language: rtl or ltr.
    package var direction: String { texts["language.dir"] == "rtl" ? "rtl" : "ltr" }

    /// `{name}` replaced by its value; an unknown name stays as written.
    public static func fill(_ text: String, _ values: [String: String]) -> String {
        guard !values.isEmpty, text.contains("{") else { return text }
        var out = "", rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            out += values[name] ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// Which of the available languages a request gets: the first in its
/// Accept-Language (by q, then order) that is available, matched exactly
/// or by its primary tag (de-AT gets de); else the site's default. Pure.
public enum LanguageChoice {
    public static func best(_ acceptLanguage: String?, available: Set<String>, fallback: String) -> String {
        guard let header = acceptLanguage, !header.isEmpty else { return fallback }
        var ranges = [(tag: String, q: Double, order: Int)]()
        for (i, item) in header.split(separator: ",").prefix(32).enumerated() {
            let parts = item.split(separator: ";")
            let tag = parts.first.map { String($0.filter { $0 != " " }).lowercased() } ?? ""
            var q = 1.0
            for p in parts.dropFirst() {
                let kv = p.filter { $0 != " " }
                if kv.hasPrefix("q="), let v = Double(kv.dropFirst(2)) { q = v }
            }
            if !tag.isEmpty, q > 0 { ranges.append((tag, q, i)) }
        }
        ranges.sort { $0.q != $1.q ? $0.q > $1.q : $0.order < $1.order }
        for r in ranges {
            if r.tag == "*" { return fallback }
            if available.contains(r.tag) { return r.tag }
            if let primary = r.tag.split(separator: "-").first.map(String.init), available.contains(primary) { return primary }
        }
        return fallback
    }
}
