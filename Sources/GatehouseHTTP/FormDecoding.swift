import GatehouseSystem

/// application/x-www-form-urlencoded, as the URL standard defines it, with
/// strict UTF-8: nil for a malformed percent escape or invalid UTF-8. Parsed
/// on bytes, so "&" or "=" followed by a combining mark still delimits.
public enum FormDecoding {
    package static func decode(_ text: String) -> [(String, String)]? {
        decode(Array(text.utf8))
    }

    public static func decode(_ bytes: [UInt8]) -> [(String, String)]? {
        var out: [(String, String)] = []
        for part in bytes.split(separator: UInt8(ascii: "&")) {
            let eq = part.firstIndex(of: UInt8(ascii: "="))
            guard let name = unescape(part[..<(eq ?? part.endIndex)]),
                  let value = unescape(eq.map { part[($0 + 1)...] } ?? []) else { return nil }
            out.append((name, value))
        }
        return out
    }

    static func unescape(_ s: ArraySlice<UInt8>) -> String? {
        PercentEncoding.decode(s, plusIsSpace: true).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// RFC 3986's unreserved characters stay; everything else is escaped.
    package static func escape(_ s: String) -> String {
        PercentEncoding.encode(s) { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 0x2d || b == 0x2e || b == 0x5f || b == 0x7e
        }
    }
}
