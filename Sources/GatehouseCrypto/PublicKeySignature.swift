#if canImport(Glibc)
import Glibc
#endif
import CSodium

/// Signature verification for passkeys (WebAuthn's ES256, RS256 and
/// EdDSA): ECDSA over P-256 and RSA PKCS #1 v1.5 from OpenSSL's libcrypto,
/// Ed25519 from libsodium. Nothing here signs; nothing here is written by
/// hand but the DER wrapping that hands a raw key to libcrypto.
/// libcrypto is opened with dlopen on the first verification, as for
/// HMAC-SHA1: only the passkey endpoints pay for loading it.
package enum PublicKeySignature {
    typealias DecodePublicKey = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                                Int) -> OpaquePointer?
    typealias NewContext = @convention(c) () -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    typealias VerifyInit = @convention(c) (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?, OpaquePointer?, OpaquePointer?,
                                           OpaquePointer?) -> Int32
    typealias Verify = @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafePointer<UInt8>?, Int) -> Int32
    typealias Digest = @convention(c) () -> OpaquePointer?
    typealias Bits = @convention(c) (OpaquePointer?) -> Int32
    typealias ClearErrors = @convention(c) () -> Void

    struct Library: @unchecked Sendable {
        let decode: DecodePublicKey
        let freeKey: FreeContext
        let newContext: NewContext
        let freeContext: FreeContext
        let verifyInit: VerifyInit
        let verify: Verify
        let sha256: Digest
        let bits: Bits
        let clearErrors: ClearErrors
    }

    static let library: Result<Library, HMACSHA1.Unavailable> = {
        guard let handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(HMACSHA1.Unavailable(description: "cannot load libcrypto (apt-get install libssl3): "
                                                 + (dlerror().map { String(cString: $0) } ?? "not found")))
        }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: type) } }
        guard let decode = symbol("d2i_PUBKEY", DecodePublicKey.self), let freeKey = symbol("EVP_PKEY_free", FreeContext.self),
              let newContext = symbol("EVP_MD_CTX_new", NewContext.self), let freeContext = symbol("EVP_MD_CTX_free", FreeContext.self),
              let verifyInit = symbol("EVP_DigestVerifyInit", VerifyInit.self), let verify = symbol("EVP_DigestVerify", Verify.self),
              let sha256 = symbol("EVP_sha256", Digest.self), let bits = symbol("EVP_PKEY_get_bits", Bits.self),
              let clearErrors = symbol("ERR_clear_error", ClearErrors.self) else {
            return .failure(HMACSHA1.Unavailable(description: "libcrypto lacks the EVP verification functions (OpenSSL 3 is needed)"))
        }
        return .success(Library(decode: decode, freeKey: freeKey, newContext: newContext, freeContext: freeContext,
                                verifyInit: verifyInit, verify: verify, sha256: sha256, bits: bits, clearErrors: clearErrors))
    }()

    /// ECDSA P-256 with SHA-256; `signature` DER-encoded, as WebAuthn
    /// sends it. False for a point not on the curve, a bad signature, or
    /// a malformed one.
    package static func verifyP256(x: [UInt8], y: [UInt8], message: [UInt8], signature: [UInt8]) throws(HMACSHA1.Unavailable) -> Bool {
        guard x.count == 32, y.count == 32 else { return false }
        // SubjectPublicKeyInfo: id-ecPublicKey, prime256v1, the uncompressed point.
        let prefix: [UInt8] = [0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86,
                               0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04]
        return try verify(spki: prefix + x + y, message: message, signature: signature, minimumBits: 256)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256, for a key of at least 2048 bits.
    package static func verifyRSA(modulus: [UInt8], exponent: [UInt8], message: [UInt8], signature: [UInt8]) throws(HMACSHA1.Unavailable) -> Bool {
        guard !modulus.isEmpty, !exponent.isEmpty, modulus.count <= 1024, exponent.count <= 8 else { return false }
        let algorithm: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00]
        let key = DER.sequence(DER.integer(modulus) + DER.integer(exponent))
        let spki = DER.sequence(algorithm + DER.tagged(0x03, [0x00] + key))
        return try verify(spki: spki, message: message, signature: signature, minimumBits: 2048)
    }

    /// Ed25519 (libsodium).
    package static func verifyEd25519(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard publicKey.count == 32, signature.count == 64 else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }

    /// SHA-256 (libsodium).
    package static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        crypto_hash_sha256(&out, bytes, UInt64(bytes.count))
        return out
    }

    static func verify(spki: [UInt8], message: [UInt8], signature: [UInt8], minimumBits: Int32) throws(HMACSHA1.Unavailable) -> Bool {
        let lib = try library.get()
        defer { lib.clearErrors() }
        let key: OpaquePointer? = spki.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return lib.decode(nil, &cursor, spki.count)
        }
        guard let key else { return false }
        defer { lib.freeKey(key) }
        guard lib.bits(key) >= minimumBits, let context = lib.newContext() else { return false }
        defer { lib.freeContext(context) }
        guard lib.verifyInit(context, nil, lib.sha256(), nil, key) == 1 else { return false }
        return lib.verify(context, signature, signature.count, message, message.count) == 1
    }
}

/// The few DER encodings a raw RSA key needs to become a
/// SubjectPublicKeyInfo (X.690).
enum DER {
    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n <= 0xFF { return [0x81, UInt8(n)] }
        return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }

    static func tagged(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] { [tag] + length(content.count) + content }

    static func sequence(_ content: [UInt8]) -> [UInt8] { tagged(0x30, content) }

    /// A non-negative INTEGER: no leading zeros, one added if the top bit is set.
    static func integer(_ bigEndian: [UInt8]) -> [UInt8] {
        var digits = Array(bigEndian.drop { $0 == 0 })
        if digits.isEmpty { digits = [0] }
        if digits[0] & 0x80 != 0 { digits.insert(0, at: 0) }
        return tagged(0x02, digits)
    }
}
