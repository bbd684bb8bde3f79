import GatehouseCore
import GatehouseSystem
import XCTest

/// RFC 6238 Appendix B (SHA-1), the drift window, and the rule that a step
/// is accepted at most once.
final class TOTPTests: XCTestCase {
    let secret = Array("12345678901234567890".utf8)

    func testRFC6238Vectors() throws {
        let eight = TOTP(digits: 8)
        for (time, code) in [(Int64(59), "94287082"), (1_111_111_109, "07081804"), (1_111_111_111, "14050471"),
                             (1_234_567_890, "89005924"), (2_000_000_000, "69279037"), (20_000_000_000, "65353130")] {
            XCTAssertEqual(try eight.code(secret: secret, counter: eight.step(at: time)), code, "T = \(time)")
        }
        // Six digits are the low six of the same number (RFC 4226 Appendix D's first value).
        XCTAssertEqual(try TOTP().code(secret: secret, counter: 0), "755224")
    }

    func testOneStepOfDriftEitherWayAndNoMore() throws {
        let totp = TOTP(), now: Int64 = 1_700_000_000
        let step = totp.step(at: now)
        for offset: Int64 in [-1, 0, 1] {
            let code = try totp.code(secret: secret, counter: step + offset)
            XCTAssertEqual(try totp.acceptedStep(code, secret: secret, at: now, after: 0), step + offset)
        }
        for offset: Int64 in [-2, 2] {
            let code = try totp.code(secret: secret, counter: step + offset)
            XCTAssertNil(try totp.acceptedStep(code, secret: secret, at: now, after: 0))
        }
    }

    func testAStepIsAcceptedOnlyAfterTheLastOneUsed() throws {
        let totp = TOTP(), now: Int64 = 1_700_000_000
        let step = totp.step(at: now)
        let code = try totp.code(secret: secret, counter: step)
        XCTAssertNil(try totp.acceptedStep(code, secret: secret, at: now, after: step), "the same step twice")
        XCTAssertNil(try totp.acceptedStep(code, secret: secret, at: now, after: step + 1), "an earlier step after a later one")
        XCTAssertEqual(try totp.acceptedStep(code, secret: secret, at: now, after: step - 1), step)
    }

    func testMalformedCodesAreNoMatch() throws {
        let totp = TOTP()
        for code in ["", "12345", "1234567", "12 456", "١٢٣٤٥٦", "abcdef"] {
            XCTAssertNil(try totp.acceptedStep(code, secret: secret, at: 1_700_000_000, after: 0), code)
        }
    }

    func testTheURIAnAppReads() {
        XCTAssertEqual(TOTP().uri(secret: Array("foobar".utf8), account: "ann@example.com", issuer: "Example Site"),
                       "otpauth://totp/Example%20Site:ann%40example.com?secret=MZXW6YTBOI&issuer=Example%20Site&algorithm=SHA1&digits=6&period=30")
    }
}
