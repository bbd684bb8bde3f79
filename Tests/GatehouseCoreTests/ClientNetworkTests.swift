#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class ClientNetworkTests: XCTestCase {
    func testClientNetworks() {
        XCTAssertEqual(ClientNetwork.key("192.0.2.7", ipv6PrefixLength: 64), "192.0.2.7")
        XCTAssertEqual(ClientNetwork.key("::ffff:192.0.2.7", ipv6PrefixLength: 64), "192.0.2.7")
        let a = ClientNetwork.key("2001:db8:1:2::1", ipv6PrefixLength: 64)
        XCTAssertEqual(a, "20010db8000100020000000000000000/64")
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2:ffff:ffff:ffff:ffff", ipv6PrefixLength: 64), a)
        XCTAssertNotEqual(ClientNetwork.key("2001:db8:1:3::1", ipv6PrefixLength: 64), a)
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2::1", ipv6PrefixLength: 56),
                       ClientNetwork.key("2001:db8:1:ff::1", ipv6PrefixLength: 56))
        XCTAssertEqual(ClientNetwork.key("2001:db8::1", ipv6PrefixLength: 128), "20010db8000000000000000000000001/128")
        XCTAssertEqual(ClientNetwork.key("not an address", ipv6PrefixLength: 64), "not an address")
        // The wider networks the same budgets also count by.
        XCTAssertEqual(ClientNetwork.key("192.0.2.7", ipv4PrefixLength: 24, ipv6PrefixLength: 48), "192.0.2.0/24")
        XCTAssertEqual(ClientNetwork.key("::ffff:192.0.2.200", ipv4PrefixLength: 24, ipv6PrefixLength: 48), "192.0.2.0/24")
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2::1", ipv4PrefixLength: 24, ipv6PrefixLength: 48),
                       ClientNetwork.key("2001:db8:1:ffff::9", ipv4PrefixLength: 24, ipv6PrefixLength: 48))
        XCTAssertEqual(ClientNetwork.key("10.1.2.3", ipv4PrefixLength: 20, ipv6PrefixLength: 48), "10.1.0.0/20")
    }

    /// As the new-device mail names a network.
    func testReadableNetworks() {
        let readable = { ClientNetwork.readable($0, ipv4PrefixLength: 24, ipv6PrefixLength: 48) }
        XCTAssertEqual(readable("198.51.100.7"), "198.51.100.0/24")
        XCTAssertEqual(readable("::ffff:198.51.100.7"), "198.51.100.0/24")
        XCTAssertEqual(readable("2001:db8:1:2::5"), "2001:db8:1::/48")
        XCTAssertEqual(readable("not an address"), "not an address")
    }
}
