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
        var bytes = [UInt8]()
        bytes.reserveCapacity(s.count)
        var it = s.makeIterator()
        while let c = it.next() {
            switch c {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                bytes.append(hv << 4 | lv)
            default: bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    package static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            }
        }
        return out
    }
}
