import GatehouseSystem
import XCTest

final class LoopbackTests: XCTestCase {
    /// An address, parsed; never a prefix of a name.
    func testLoopbackIsParsedNotMatchedAsText() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"] {
            XCTAssertTrue(Loopback.contains(host), host)
        }
        for host in ["127.mail.example.net", "127.0.0.1.example", "128.0.0.1", "::2", "0.0.0.0", "::", "", "10.0.0.1",
                     "localhost.example.com", "::ffff:10.0.0.1"] {
            XCTAssertFalse(Loopback.contains(host), host)
        }
    }
}
