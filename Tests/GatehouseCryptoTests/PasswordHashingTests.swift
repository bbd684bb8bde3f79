import GatehouseCrypto
import XCTest
import GatehouseSystem

final class PasswordHashingTests: XCTestCase {
    let cheap = Argon2idHasher(opsLimit: 1, memLimitKiB: 8)
    func testArgon2idRoundTrip() throws {
        let h = try cheap.hash("correct horse")
        XCTAssertTrue(h.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        XCTAssertEqual(cheap.check("correct horse", against: h), .match(needsRehash: false))
        XCTAssertEqual(cheap.check("wrong horse", against: h), .mismatch)
        let stronger = Argon2idHasher(opsLimit: 2, memLimitKiB: 8)
        XCTAssertEqual(stronger.check("correct horse", against: h), .match(needsRehash: true))
    }

    /// Hashes of "password" made by htpasswd -B, mkpasswd -m yescrypt and
    /// mkpasswd -m sha-512 (the tools a site owner imports from).
    func testLegacyHashesVerifyAndAskForRehash() {
        let hashes = [
            "$2y$05$Mo9fB3htDkxkkoQxsNovA.mOimFMy9bLrLHfCQRWwxepW/r3Kxhyu",
            "$y$j9T$RBNJ.PM.doqYHBgTmNFJ4.$/0/tgkPgqjutwUpOf46wti7sDv27fuxqto8EU/AFpp4",
            "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1",
        ]
        for h in hashes {
            XCTAssertEqual(cheap.check("password", against: h), .match(needsRehash: true), h)
            XCTAssertEqual(cheap.check("Password", against: h), .mismatch, h)
        }
        XCTAssertEqual(cheap.check("password", against: "$1$abc$def"), .unsupported)
        XCTAssertEqual(cheap.check("password", against: "plain"), .unsupported)
    }
}
