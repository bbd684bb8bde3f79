#if canImport(Glibc)
import Glibc
#endif

/// HMAC-SHA1 (RFC 2104) from OpenSSL's libcrypto, for TOTP (RFC 6238 is
/// defined on it, and every authenticator app computes it). libsodium has
/// HMAC only over SHA-2. libcrypto is opened with dlopen the first time a
/// code is checked, as libpq is: linked, its load and relocations would be
/// paid by every responder at every CGI exec, and only sign-in and the
/// second-factor pages use it.
package enum HMACSHA1 {
    typealias Digest = @convention(c) () -> OpaquePointer?
    typealias HMACFunction = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int32, UnsafePointer<UInt8>?, Int,
                                             UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> UnsafeMutablePointer<UInt8>?

    typealias SHA1Function = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?) -> UnsafeMutablePointer<UInt8>?

    struct Library: @unchecked Sendable {
        let sha1: Digest
        let hmac: HMACFunction
        let digest: SHA1Function
    }

    package struct Unavailable: Error, CustomStringConvertible {
        package let description: String
    }

    static let library: Result<Library, Unavailable> = {
        guard let handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL) else {
            return .failure(Unavailable(description: "cannot load libcrypto (apt-get install libssl3): "
                                        + (dlerror().map { String(cString: $0) } ?? "not found")))
        }
        guard let sha1 = dlsym(handle, "EVP_sha1"), let hmac = dlsym(handle, "HMAC"), let digest = dlsym(handle, "SHA1") else {
            return .failure(Unavailable(description: "libcrypto lacks EVP_sha1, HMAC or SHA1"))
        }
        return .success(Library(sha1: unsafeBitCast(sha1, to: Digest.self), hmac: unsafeBitCast(hmac, to: HMACFunction.self),
                                digest: unsafeBitCast(digest, to: SHA1Function.self)))
    }()

    /// The SHA-1 of `message`: how the breached-password corpus names a
    /// password (never for anything that must resist collisions).
    package static func sha1(_ message: [UInt8]) throws(Unavailable) -> [UInt8] {
        let lib = try library.get()
        var out = [UInt8](repeating: 0, count: 20)
        _ = out.withUnsafeMutableBufferPointer { o in message.withUnsafeBufferPointer { lib.digest($0.baseAddress, message.count, o.baseAddress) } }
        return out
    }

    /// The 20-byte MAC of `message` under `key`.
    package static func mac(key: [UInt8], message: [UInt8]) throws(Unavailable) -> [UInt8] {
        let lib = try library.get()
        var out = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let done = out.withUnsafeMutableBufferPointer { o in
            message.withUnsafeBufferPointer { m in
                key.withUnsafeBytes { k in
                    lib.hmac(lib.sha1(), k.baseAddress, Int32(key.count), m.baseAddress, message.count, o.baseAddress, &length)
                }
            }
        }
        guard done != nil, length == 20 else { throw Unavailable(description: "HMAC-SHA1 failed") }
        return out
    }
}
