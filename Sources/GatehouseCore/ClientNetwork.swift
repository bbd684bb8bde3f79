#if canImport(Glibc)
import Glibc
#endif

/// What a per-client limit counts by. An IPv4 client is its address; an
/// IPv6 client is its network prefix (a /64 by default): one subscriber
/// usually gets a whole /64 and can pick any address in it, so counting
/// per address would give every attacker 2^64 fresh budgets. Pure.
public enum ClientNetwork {
    public static func key(_ address: String, ipv6PrefixLength: Int) -> String {
        var v6 = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &v6) == 1 else { return address }
        var bytes = withUnsafeBytes(of: &v6) { Array($0) }
        // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 client.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let keep = max(0, min(128, ipv6PrefixLength))
        for i in 0..<16 {
            let bitsHere = max(0, min(8, keep - i * 8))
            bytes[i] &= bitsHere == 8 ? 0xff : ~(0xff >> UInt8(bitsHere))
        }
        var hex = ""
        for b in bytes {
            let h = String(b, radix: 16)
            hex += h.count == 1 ? "0" + h : h
        }
        return hex + "/" + String(keep)
    }
}
