import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import XCTest

/// The policies' own defaults (what a test or a library user gets) are the
/// settings table's: they cannot drift apart unseen.
final class PolicyDefaultsTests: XCTestCase {
    func testThePoliciesDefaultsAreTheTables() throws {
        let config = try Config.parse("")
        XCTAssertEqual(AccountPolicy(config: config), AccountPolicy())
        let hasher = Argon2idHasher(config: config), plain = Argon2idHasher()
        XCTAssertEqual(hasher.opsLimit, plain.opsLimit)
        XCTAssertEqual(hasher.memLimitBytes, plain.memLimitBytes)
    }
}
