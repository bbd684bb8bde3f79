/// `%XX` escapes, one codec for every place that writes or reads them
/// (form bodies and query strings, URL paths, record text, MIME headers);
/// each caller says which bytes it leaves as they are. Works on bytes:
/// a multi-byte character is escaped byte by byte. Pure.
package enum PercentEncoding {
    /// Every byte `keep` refuses becomes `%XX` (upper-case hex). A caller
    /// keeps either all of a character's bytes (>= 0x80) or none.
    package static func encode(_ s: String, keeping keep: (UInt8) -> Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            if keep(b) {
                out.append(b)
            } else {
                out += [0x25] + Array(HexDigits.pair(b).utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `text` stands for; nil for a `%` not followed by two hex
    /// digits. `plusIsSpace`: the form encoding's `+`.
    package static func decode(_ text: ArraySlice<UInt8>, plusIsSpace: Bool = false) -> [UInt8]? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.count)
        var it = text.makeIterator()
        while let c = it.next() {
            switch c {
            case UInt8(ascii: "+") where plusIsSpace: bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let h = it.next(), let l = it.next(), let hv = HexDigits.value(h), let lv = HexDigits.value(l) else { return nil }
                bytes.append(hv << 4 | lv)
            default: bytes.append(c)
            }
        }
        return bytes
    }
}

/// One hex digit or pair, for the escapes (`%XX`, `=XX`, `\x1b`, `\u00e9`)
/// and hex keys. Secrets go through `Hex`, which runs in constant time.
package enum HexDigits {
    static let upper = Array("0123456789ABCDEF".utf8), lower = Array("0123456789abcdef".utf8)

    /// Two digits, upper-case unless asked.
    package static func pair(_ b: UInt8, uppercase: Bool = true) -> String {
        let digits = uppercase ? upper : lower
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xf)]], as: UTF8.self)
    }

    /// The value of a hex digit (either case); nil for anything else.
    package static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
