#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// What a per-client limit counts by. An IPv4 client is its address; an
/// IPv6 client is its network prefix (a /64 by default): one subscriber
/// usually gets a whole /64 and can pick any address in it, so counting
/// per address would give every attacker 2^64 fresh budgets. The same
/// budgets also count by a wider network (IPv4 /24, IPv6 /48 by default),
/// so fifty addresses in one place are not fifty budgets. Pure.
package enum ClientNetwork {
    package static func key(_ address: String, ipv4PrefixLength: Int = 32, ipv6PrefixLength: Int) -> String {
        switch parse(address) {
        case .v4(let bytes)?: return ipv4(bytes, prefix: ipv4PrefixLength)
        case .v6(let bytes)?:
            let keep = max(0, min(128, ipv6PrefixLength))
            return Hex.encode(masked(bytes, keeping: keep)) + "/" + String(keep)
        case nil: return address
        }
    }

    /// The network around `address` as a person reads it: 198.51.100.0/24,
    /// 2001:db8:7::/48. An address that does not parse is given as it is.
    package static func readable(_ address: String, ipv4PrefixLength: Int, ipv6PrefixLength: Int) -> String {
        switch parse(address) {
        case .v4(let bytes)?: return ipv4(bytes, prefix: ipv4PrefixLength)
        case .v6(let bytes)?:
            let keep = max(0, min(128, ipv6PrefixLength))
            var out = in6_addr()
            withUnsafeMutableBytes(of: &out) { $0.copyBytes(from: masked(bytes, keeping: keep)) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &out, &text, socklen_t(text.count)) != nil else { return address }
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + String(keep)
        case nil: return address
        }
    }

    enum Parsed {
        case v4([UInt8])
        case v6([UInt8])
    }

    /// An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 client.
    static func parse(_ address: String) -> Parsed? {
        var v6 = in6_addr()
        if address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return .v4(Array(bytes[12...])) }
            return .v6(bytes)
        }
        var v4 = in_addr()
        guard inet_pton(AF_INET, address, &v4) == 1 else { return nil }
        return .v4(withUnsafeBytes(of: &v4) { Array($0) })
    }

    /// a.b.c.d for a whole address (as it always was), a.b.c.0/24 for a network.
    static func ipv4(_ bytes: [UInt8], prefix: Int) -> String {
        let keep = max(0, min(32, prefix))
        let dotted = masked(bytes, keeping: keep).map(String.init).joined(separator: ".")
        return keep == 32 ? dotted : dotted + "/" + String(keep)
    }

    static func masked(_ bytes: [UInt8], keeping bits: Int) -> [UInt8] {
        bytes.enumerated().map { i, b in
            let bitsHere = max(0, min(8, bits - i * 8))
            return b & (bitsHere == 8 ? 0xff : ~(0xff >> UInt8(bitsHere)))
        }
    }
}
