import CSodium
import GatehouseSystem

/// Keyed BLAKE2b under the server key. Used wherever a secret (session token,
/// code) or an identifier (e-mail, client address) must be found again
/// without being stored in the clear.
package struct KeyedHasher: Sendable {
    package static let keyLength = 32
    private let key: [UInt8]

    package init(key: [UInt8]) {
        precondition(key.count == KeyedHasher.keyLength, "server key must be 32 bytes")
        Sodium.require()
        self.key = key
    }

    /// `domain` separates uses so a hash made for one purpose never matches
    /// one made for another.
    package func hash(_ message: String, domain: String, length: Int = 32) -> [UInt8] {
        var input = Array(domain.utf8)
        input.append(0)
        input.append(contentsOf: message.utf8)
        var out = [UInt8](repeating: 0, count: length)
        let rc = out.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in
                key.withUnsafeBytes { k in
                    crypto_generichash(o.baseAddress!.assumingMemoryBound(to: UInt8.self), length,
                                       i.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(input.count),
                                       k.baseAddress!.assumingMemoryBound(to: UInt8.self), key.count)
                }
            }
        }
        precondition(rc == 0)
        return out
    }

    package func hex(_ message: String, domain: String, length: Int = 32) -> String {
        Hex.encode(hash(message, domain: domain, length: length))
    }
}
