/// RFC 4648 base32 (A–Z, 2–7), the alphabet authenticator apps read TOTP
/// secrets in. Encoded without padding, as otpauth:// URIs carry it.
package enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    package static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Letters in either case, trailing `=` padding and spaces (as people
    /// type a secret shown in groups) are accepted; nil for anything else,
    /// or for leftover bits that are not zero.
    package static func decode(_ text: String) -> [UInt8]? {
        var out = [UInt8](), buffer = 0, bits = 0
        var padded = false
        for c in text.utf8 where c != 32 {
            if c == UInt8(ascii: "=") { padded = true; continue }
            guard !padded else { return nil }
            let value: Int
            switch c {
            case 65...90: value = Int(c) - 65
            case 97...122: value = Int(c) - 97
            case 50...55: value = Int(c) - 50 + 26
            default: return nil
            }
            buffer = ((buffer << 5) | value) & 0xFFFF
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
        }
        guard bits < 5, buffer & ((1 << bits) - 1) == 0 else { return nil }
        return out
    }
}
