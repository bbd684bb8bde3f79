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

    /// Parsed as UTF-8 bytes (every responder that shows pages parses each
    /// catalogue at start, under CGI at every request): lines end at LF,
    /// CR LF or CR.
    public init(language: String, source: String) throws(ParseError) {
        var texts = [String: String]()
        let bytes = Array(source.utf8)
        var start = 0, n = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 10 && bytes[end] != 13 { end += 1 }
            n += 1
            var first = start
            while first < end && (bytes[first] == 32 || bytes[first] == 9) { first += 1 }
            if first < end && bytes[first] != UInt8(ascii: "#") {
                let line = bytes[first..<end]
                guard let eq = line.withUnsafeBufferPointer({ ByteSearch.firstOffset(of: " = ", in: $0) }) else {
                    throw ParseError(description: "line \(n): expected `key = text`")
                }
                let key = String(decoding: line[first..<(first + eq)], as: UTF8.self)
                guard texts[key] == nil else { throw ParseError(description: "line \(n): \(key) given twice") }
                texts[key] = String(decoding: line[(first + eq + 3)...], as: UTF8.self)
            }
            if end < bytes.count && bytes[end] == 13 && end + 1 < bytes.count && bytes[end + 1] == 10 { end += 1 }
            start = end + 1
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
