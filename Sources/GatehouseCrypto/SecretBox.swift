import CSodium

/// Secrets kept at rest that must be read back (a TOTP secret: the server
/// needs it to compute codes, so a hash will not do), sealed with
/// XSalsa20-Poly1305 (libsodium's secretbox) under a key derived from the
/// server key for one purpose. A sealed value is nonce ‖ ciphertext, and
/// one altered or sealed for another purpose does not open.
package struct SecretBox: Sendable {
    private let key: [UInt8]

    /// The box for `purpose`, its key derived from the server key by keyed
    /// BLAKE2b, so no two purposes share a key.
    package init(keys: KeyedHasher, purpose: String) {
        key = keys.hash("", domain: "secretbox:" + purpose, length: Int(crypto_secretbox_KEYBYTES))
    }

    package func seal(_ plain: [UInt8], random: RandomSource) -> [UInt8] {
        let nonce = random.bytes(Int(crypto_secretbox_NONCEBYTES))
        var out = [UInt8](repeating: 0, count: plain.count + Int(crypto_secretbox_MACBYTES))
        let rc = out.withUnsafeMutableBufferPointer { o in
            crypto_secretbox_easy(o.baseAddress!, plain, UInt64(plain.count), nonce, key)
        }
        precondition(rc == 0)
        return nonce + out
    }

    /// nil when `sealed` was not made by this box or has been altered.
    package func open(_ sealed: [UInt8]) -> [UInt8]? {
        let n = Int(crypto_secretbox_NONCEBYTES), mac = Int(crypto_secretbox_MACBYTES)
        guard sealed.count >= n + mac else { return nil }
        let nonce = Array(sealed[..<n]), cipher = Array(sealed[n...])
        // One byte at least, so that an empty secret still has an address to open into.
        var out = [UInt8](repeating: 0, count: max(1, cipher.count - mac))
        let rc = out.withUnsafeMutableBufferPointer { o in
            crypto_secretbox_open_easy(o.baseAddress!, cipher, UInt64(cipher.count), nonce, key)
        }
        return rc == 0 ? Array(out[..<(cipher.count - mac)]) : nil
    }
}
