import CSodium

/// Where secrets come from. Injected into the account core so tests can be
/// deterministic; production uses libsodium's CSPRNG.
package protocol RandomSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
    /// Uniform in 0..<upperBound without modulo bias.
    func uniform(_ upperBound: UInt32) -> UInt32
}

package struct SystemRandom: RandomSource {
    package init() { Sodium.require() }

    package func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        return out
    }

    package func uniform(_ upperBound: UInt32) -> UInt32 {
        randombytes_uniform(upperBound)
    }
}
