import CSodium

/// Hex and base64 through libsodium, which every responder links anyway:
/// its codecs run in constant time, so encoding a secret leaks nothing
/// through table look-ups.
package enum Hex {
    package static func encode(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: bytes.count * 2 + 1)
        _ = sodium_bin2hex(&out, out.count, bytes, bytes.count)
        return String(decoding: out.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package static func decode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: u.count / 2)
        var written = 0
        var end: UnsafePointer<CChar>? = nil
        let rc = u.withUnsafeBufferPointer { hex in
            hex.withMemoryRebound(to: CChar.self) {
                sodium_hex2bin(&out, out.count, $0.baseAddress, u.count, nil, &written, &end)
            }
        }
        return rc == 0 && written == out.count ? out : nil
    }
}

/// RFC 4648 base64: `url` (§5, without padding) for session tokens, which
/// travel in headers and cookies where `+`, `/` and `=` need quoting;
/// `standard` (§4, padded) for MIME.
package enum Base64 {
    package static func url(_ bytes: [UInt8]) -> String {
        encode(bytes, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }

    package static func standard(_ bytes: [UInt8]) -> String {
        encode(bytes, variant: sodium_base64_VARIANT_ORIGINAL)
    }

    static func encode(_ bytes: [UInt8], variant: Int32) -> String {
        var out = [CChar](repeating: 0, count: sodium_base64_encoded_len(bytes.count, variant))
        _ = sodium_bin2base64(&out, out.count, bytes, bytes.count, variant)
        return String(decoding: out.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The bytes of unpadded base64url; nil for anything else.
    package static func decodeURL(_ text: String) -> [UInt8]? {
        decode(text, variant: sodium_base64_VARIANT_URLSAFE_NO_PADDING)
    }

    /// The bytes of standard base64, padded or not; nil for anything else.
    package static func decodeStandard(_ text: String) -> [UInt8]? {
        decode(text, variant: sodium_base64_VARIANT_ORIGINAL) ?? decode(text, variant: sodium_base64_VARIANT_ORIGINAL_NO_PADDING)
    }

    static func decode(_ text: String, variant: Int32) -> [UInt8]? {
        let input = Array(text.utf8)
        var out = [UInt8](repeating: 0, count: input.count * 3 / 4 + 1)
        var length = 0
        let rc = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                i.withMemoryRebound(to: CChar.self) { chars in
                    sodium_base642bin(o.baseAddress!, o.count, chars.baseAddress, input.count, nil, &length, nil, variant)
                }
            }
        }
        return rc == 0 ? Array(out[..<length]) : nil
    }

    /// True when `text` could be the unpadded base64url of `byteCount`
    /// bytes: lets callers reject a malformed token before hashing it.
    package static func isURLEncoding(_ text: String, ofByteCount byteCount: Int) -> Bool {
        let expected = (byteCount * 4 + 2) / 3
        let u = text.utf8
        guard u.count == expected else { return false }
        return u.allSatisfy { c in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
    }
}
