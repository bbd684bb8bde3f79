#if canImport(Glibc)
import Glibc
#endif

/// A 3-wise binary fuse filter with 16-bit fingerprints (Graf and Lemire,
/// "Binary Fuse Filters: Fast and Smaller Than Xor Filters", JEA 2022):
/// membership of a fixed set of 64-bit keys in about 2.25 bytes per key
/// for large sets, with a false-positive rate near 2^-16 and no false
/// negatives. A key's three slots lie in three consecutive segments of
/// the array; the key is in the set when the XOR of its three slots'
/// fingerprints equals its own. Written from the paper's description.
///
/// Pure: building takes keys and gives the fingerprint array; a lookup
/// reads three slots of it. The file that holds shards of these is
/// BreachFilterFile's.
package struct BinaryFuseFilter {
    /// Everything a lookup needs besides the fingerprints.
    package struct Layout: Equatable, Sendable {
        package var seed: UInt64
        package var segmentLength: UInt32
        package var segmentCountLength: UInt32
        package var arrayLength: UInt32

        /// The paper's sizes for `n` keys: segments of a power-of-two
        /// length that grows slowly with n, and an array about 1.125 n long
        /// for large n (more, relatively, for small n, where peeling needs it).
        package init(keys n: Int, seed: UInt64) {
            let arity = 3
            var segmentLength = n == 0 ? 4 : 1 << Int((log(Double(n)) / log(3.33) + 2.25).rounded(.down))
            segmentLength = min(max(segmentLength, 4), 1 << 18)
            let sizeFactor = n <= 1 ? 0 : max(1.125, 0.875 + 0.25 * log(1_000_000) / log(Double(n)))
            let capacity = n <= 1 ? 0 : Int((Double(n) * sizeFactor).rounded())
            let initialSegments = (capacity + segmentLength - 1) / segmentLength - (arity - 1)
            var arrayLength = (initialSegments + arity - 1) * segmentLength
            var segmentCount = (arrayLength + segmentLength - 1) / segmentLength
            segmentCount = segmentCount <= arity - 1 ? 1 : segmentCount - (arity - 1)
            arrayLength = (segmentCount + arity - 1) * segmentLength
            self.seed = seed
            self.segmentLength = UInt32(segmentLength)
            self.segmentCountLength = UInt32(segmentCount * segmentLength)
            self.arrayLength = UInt32(arrayLength)
        }

        package init(seed: UInt64, segmentLength: UInt32, segmentCountLength: UInt32, arrayLength: UInt32) {
            self.seed = seed
            self.segmentLength = segmentLength
            self.segmentCountLength = segmentCountLength
            self.arrayLength = arrayLength
        }

        /// Whether a layout read from a file is one a lookup can use safely:
        /// at least one segment for the first slot (with none, the third
        /// slot would lie past the array; the fuzzer found that one).
        package var isSound: Bool {
            segmentLength >= 4 && segmentLength & (segmentLength - 1) == 0 && segmentCountLength >= segmentLength
                && segmentCountLength % segmentLength == 0
                && UInt64(segmentCountLength) + 2 * UInt64(segmentLength) == UInt64(arrayLength)
        }

        /// The key mixed with the seed (a 64-bit finaliser): every bit of
        /// the key reaches every bit of the hash.
        @inline(__always)
        package func hash(_ key: UInt64) -> UInt64 {
            var h = key &+ seed
            h = (h ^ (h >> 33)) &* 0xff51afd7ed558ccd
            h = (h ^ (h >> 33)) &* 0xc4ceb9fe1a85ec53
            return h ^ (h >> 33)
        }

        @inline(__always)
        package func slots(_ hash: UInt64) -> (UInt32, UInt32, UInt32) {
            let h0 = UInt32(hash.multipliedFullWidth(by: UInt64(segmentCountLength)).high)
            let mask = segmentLength - 1
            let h1 = (h0 + segmentLength) ^ (UInt32(truncatingIfNeeded: hash >> 18) & mask)
            let h2 = (h0 + 2 * segmentLength) ^ (UInt32(truncatingIfNeeded: hash) & mask)
            return (h0, h1, h2)
        }

        @inline(__always)
        package static func fingerprint(_ hash: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: hash ^ (hash >> 32)) }
    }

    /// Whether `key` is in the set whose fingerprints are `slot`.
    @inline(__always)
    package static func contains(_ key: UInt64, layout: Layout, slot: (UInt32) -> UInt16) -> Bool {
        let hash = layout.hash(key)
        let (h0, h1, h2) = layout.slots(hash)
        return Layout.fingerprint(hash) ^ slot(h0) ^ slot(h1) ^ slot(h2) == 0
    }

    /// A built filter: its layout, its fingerprints, and how many distinct
    /// keys it holds.
    package struct Built {
        package let layout: Layout
        package let fingerprints: [UInt16]
        package let keys: Int
    }

    /// The filter of `keys` (repeats count once). Peeling fails now and
    /// then for a seed; the next seed from `seeds` is tried, up to 100.
    package static func build(_ keys: [UInt64], seeds: inout SeedSequence) -> Built? {
        let unique = Array(Set(keys))
        for _ in 0..<100 {
            let layout = Layout(keys: unique.count, seed: seeds.next())
            if let fingerprints = peel(unique, layout) { return Built(layout: layout, fingerprints: fingerprints, keys: unique.count) }
        }
        return nil
    }

    /// Peeling: a slot that only one key maps to is that key's to set;
    /// the key is taken out of its other two slots, which may leave them
    /// to one key each, and so on. If every key comes off, fingerprints
    /// are assigned in the reverse order of peeling.
    static func peel(_ keys: [UInt64], _ layout: Layout) -> [UInt16]? {
        let length = Int(layout.arrayLength)
        var fingerprints = [UInt16](repeating: 0, count: length)
        if keys.isEmpty { return fingerprints }
        // Per slot: how many keys map to it, and the XOR of their hashes
        // (the one key left, once the count is 1).
        var count = [UInt32](repeating: 0, count: length)
        var xor = [UInt64](repeating: 0, count: length)
        for key in keys {
            let hash = layout.hash(key)
            let (h0, h1, h2) = layout.slots(hash)
            for h in [h0, h1, h2] {
                count[Int(h)] += 1
                xor[Int(h)] ^= hash
            }
        }
        var queue = [Int]()
        queue.reserveCapacity(length / 4)
        for i in 0..<length where count[i] == 1 { queue.append(i) }
        var order = [(hash: UInt64, slot: UInt32)]()
        order.reserveCapacity(keys.count)
        while let i = queue.popLast() {
            guard count[i] == 1 else { continue }
            let hash = xor[i]
            order.append((hash, UInt32(i)))
            let (h0, h1, h2) = layout.slots(hash)
            for h in [h0, h1, h2] {
                let j = Int(h)
                count[j] -= 1
                xor[j] ^= hash
                if count[j] == 1 { queue.append(j) }
            }
        }
        guard order.count == keys.count else { return nil }
        for (hash, slot) in order.reversed() {
            let (h0, h1, h2) = layout.slots(hash)
            var value = Layout.fingerprint(hash)
            for h in [h0, h1, h2] where h != slot { value ^= fingerprints[Int(h)] }
            fingerprints[Int(slot)] = value
        }
        return fingerprints
    }
}

/// Seeds for building: random in production, fixed in a test.
package struct SeedSequence {
    var state: UInt64

    package init(_ start: UInt64) { state = start }

    /// splitmix64.
    package mutating func next() -> UInt64 {
        state &+= 0x9e3779b97f4a7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}
