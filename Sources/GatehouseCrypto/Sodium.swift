import CSodium

/// libsodium must be initialised once per process before any other call;
/// every entry point here goes through `Sodium.ready` so callers cannot forget.
package enum Sodium {
    package static let ready: Bool = {
        sodium_init() >= 0
    }()

    static func require() {
        precondition(ready, "libsodium failed to initialise")
    }
}

/// Constant-time equality for secrets. Lengths are not secret (they are fixed
/// by the format), so a length mismatch may return early.
package func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    Sodium.require()
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in
            sodium_memcmp(pa.baseAddress!, pb.baseAddress!, a.count) == 0
        }
    }
}

package func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    constantTimeEqual(Array(a.utf8), Array(b.utf8))
}
