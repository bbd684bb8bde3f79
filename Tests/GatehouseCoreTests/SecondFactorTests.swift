@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import XCTest

/// Enrolment, proof and recovery codes on an injected clock: a time step
/// and a recovery code win once, the confirming code never signs in, the
/// secret is kept sealed.
final class SecondFactorTests: CoreTestCase {
    let ann = try! EmailAddress.parse("ann@example.com").get()
    var user: UserRecord!

    override func setUpWithError() throws {
        try super.setUpWithError()
        clock.t = 1_700_000_000
        user = try accounts.addUser(ann, password: "password one")
    }

    func code(_ secret: String, stepsFromNow offset: Int64 = 0) throws -> String {
        try Accounts.totp.code(secret: Base32.decode(secret)!, counter: Accounts.totp.step(at: clock.t) + offset)
    }

    func enrol() throws -> (secret: String, recovery: [String]) {
        let enrolment = try accounts.beginTOTP(for: user, issuer: "Example")
        let recovery = try accounts.confirmTOTP(try code(enrolment.secret), for: user)
        return (enrolment.secret, recovery)
    }

    func testEnrolmentNeedsACodeFromTheAppAndShowsTenRecoveryCodesOnce() throws {
        let enrolment = try accounts.beginTOTP(for: user, issuer: "Example Site")
        XCTAssertEqual(Base32.decode(enrolment.secret)?.count, 20)
        XCTAssertTrue(enrolment.uri.hasPrefix("otpauth://totp/Example%20Site:ann%40example.com?secret=\(enrolment.secret)&"))
        XCTAssertEqual(error { _ = try accounts.confirmTOTP("000000", for: user) }, .invalidCode)
        XCTAssertFalse(try store.loadUser(user.id)!.secondFactor.enabled, "not active before a code from the app")
        let recovery = try accounts.confirmTOTP(try code(enrolment.secret), for: user)
        XCTAssertEqual(recovery.count, 10)
        XCTAssertEqual(Set(recovery).count, 10)
        XCTAssertTrue(recovery.allSatisfy { $0.count == 11 && $0.dropFirst(5).first == "-" })
        XCTAssertTrue(try store.loadUser(user.id)!.secondFactor.enabled)
    }

    func testTheCodeThatConfirmedCannotSignInButTheNextStepCan() throws {
        let (secret, _) = try enrol()
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode)
        clock.t += 30
        XCTAssertEqual(try accounts.proveSecondFactor(try code(secret), userID: user.id), .totp)
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode,
                       "a step is accepted once")
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret, stepsFromNow: -1), userID: user.id) },
                       .invalidCode, "nor an earlier one after it")
        XCTAssertEqual(try accounts.proveSecondFactor(try code(secret, stepsFromNow: 1), userID: user.id), .totp, "one step of drift")
    }

    func testARecoveryCodeWorksOnceInAnyCaseOrSpacing() throws {
        let (_, recovery) = try enrol()
        XCTAssertEqual(try accounts.proveSecondFactor(recovery[3].uppercased(), userID: user.id), .recoveryCode(left: 9))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(recovery[3], userID: user.id) }, .invalidCode)
        let spaced = recovery[4].replacingDash(with: " ")
        XCTAssertEqual(try accounts.proveSecondFactor(spaced, userID: user.id), .recoveryCode(left: 8))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor("zzzzz-zzzzz", userID: user.id) }, .invalidCode)
    }

    func testRegeneratingReplacesTheWholeSet() throws {
        let (_, old) = try enrol()
        let new = try accounts.regenerateRecoveryCodes(for: user)
        XCTAssertTrue(Set(old).isDisjoint(with: new))
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(old[0], userID: user.id) }, .invalidCode)
        XCTAssertEqual(try accounts.proveSecondFactor(new[0], userID: user.id), .recoveryCode(left: 9))
    }

    func testDisablingEndsTheSecretAndTheCodes() throws {
        let (secret, recovery) = try enrol()
        try accounts.disableTOTP(for: user)
        clock.t += 30
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(try code(secret), userID: user.id) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.proveSecondFactor(recovery[0], userID: user.id) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.regenerateRecoveryCodes(for: user) }, .invalidField(field: "mfa", reason: "is not enabled"))
    }

    func testTheSecretIsSealedAtRestAndTheRecoveryCodesHashed() throws {
        let (secret, recovery) = try enrol()
        let stored = try store.loadUser(user.id)!.secondFactor
        let raw = Base32.decode(secret)!
        XCTAssertFalse(stored.totpSecret.contains(secret))
        XCTAssertFalse(stored.totpSecret.contains(Base64.url(raw)))
        XCTAssertNotNil(SecretBox(keys: accounts.keys, purpose: "totp-secret").open(Base64.decodeURL(stored.totpSecret)!))
        XCTAssertNil(SecretBox(keys: KeyedHasher(key: [UInt8](repeating: 1, count: 32)), purpose: "totp-secret")
            .open(Base64.decodeURL(stored.totpSecret)!), "another server key cannot read it")
        XCTAssertEqual(stored.recoveryCodes.count, 10)
        XCTAssertTrue(stored.recoveryCodes.allSatisfy { $0.count == 64 && !recovery.contains($0) })
    }
}

extension String {
    func replacingDash(with s: String) -> String { split(separator: "-").joined(separator: s) }
}
