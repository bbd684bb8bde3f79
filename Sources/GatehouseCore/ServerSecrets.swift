import GatehouseCrypto
import GatehouseSystem

/// The per-installation secrets kept in the data directory.
package enum ServerSecrets {
    package static let keyFile = "server.key"
    static let dummyFile = "dummy.hash"
    /// Every server file: what a copy to another store must carry (the
    /// keyed hashes that name users and sessions mean nothing without the key).
    package static let allFiles = [keyFile, dummyFile]

    package struct Missing: Error, CustomStringConvertible {
        package let description: String
    }

    /// Creates the server key if there is none; never replaces one (that
    /// would invalidate every session and stored code).
    package static func createKeyIfMissing(in store: ServerFileStore, random: RandomSource) throws -> Bool {
        if try store.loadServerFile(keyFile) != nil { return false }
        try store.saveServerFile(keyFile, Array((Hex.encode(random.bytes(KeyedHasher.keyLength)) + "\n").utf8))
        return true
    }

    package static func loadKey(from store: ServerFileStore) throws -> KeyedHasher {
        guard let bytes = try store.loadServerFile(keyFile) else {
            throw Missing(description: "no server key in the data directory (run `gatehousectl init`)")
        }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        guard let key = Hex.decode(text), key.count == KeyedHasher.keyLength else {
            throw Missing(description: "server.key is not 64 hex digits")
        }
        return KeyedHasher(key: key)
    }

    /// A hash of a random, forgotten password at the current parameters. An
    /// unknown user's sign-in is verified against it, so it costs the same
    /// time as a real one. Regenerated when the parameters change.
    package static func dummyHash(in store: ServerFileStore, hasher: PasswordHasher, random: RandomSource) throws -> String {
        if let bytes = try store.loadServerFile(dummyFile) {
            let stored = String(decoding: bytes, as: UTF8.self).filter { !$0.isNewline }
            if !hasher.isStale(stored) { return stored }
        }
        let fresh = try hasher.hash(Base64.url(random.bytes(24)))
        try store.saveServerFile(dummyFile, Array((fresh + "\n").utf8))
        return fresh
    }
}
