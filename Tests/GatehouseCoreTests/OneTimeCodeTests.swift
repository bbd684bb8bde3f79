@testable import GatehouseCore
import GatehouseCrypto
import GatehouseStore
import XCTest

/// Captures what the core asks to mail, so a test can read the code.
final class CapturingMail: MailSink, @unchecked Sendable {
    var sent: [OutgoingMail] = []
    var decoys = 0
    func queue(_ mail: OutgoingMail, decoy: Bool) throws {
        if decoy { decoys += 1 } else { sent.append(mail) }
    }
}

/// A core whose mail is captured, with one account, ann@example.com.
class CodeTestCase: CoreTestCase {
    var mail = CapturingMail()

    override func make(policy: AccountPolicy = AccountPolicy()) throws {
        try super.make(policy: policy)
        mail = CapturingMail()
        accounts = Accounts(store: accounts.store, hasher: accounts.hasher, keys: accounts.keys, clock: clock,
                            random: accounts.random, policy: policy, audit: accounts.audit, logger: accounts.logger,
                            dummyHash: accounts.dummyHash, mail: mail)
    }

    let ann = try! EmailAddress.parse("ann@example.com").get()

    func send(_ purpose: CodePurpose = .verify, ip: String = "ip") throws -> String {
        try accounts.sendCode(to: ann, purpose: purpose, clientIP: ip)
        return mail.sent.last!.values["code"]!
    }

    func check(_ code: String, _ purpose: CodePurpose = .verify) -> AccountError? {
        error { try accounts.verifyCode(code, for: ann, purpose: purpose, clientIP: "ip") }
    }

    func wrong(_ code: String) -> String { code == "000000" ? "111111" : "000000" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try accounts.addUser(ann, password: "password one")
    }
}

final class OneTimeCodeTests: CodeTestCase {

    func testCodesAreDigitsOfTheConfiguredLength() throws {
        var p = AccountPolicy()
        p.codes.length = 10
        p.codes.cooldown = 0
        try make(policy: p)
        try accounts.addUser(ann, password: "password one")
        let code = try send()
        XCTAssertEqual(code.count, 10)
        XCTAssertTrue(code.allSatisfy(\.isNumber))
    }

    func testExpiryWithAnInjectedClock() throws {
        let code = try send()
        clock.t += 599
        XCTAssertNil(check(code))
        let again: String
        clock.t += 60
        again = try send()
        clock.t += 600
        XCTAssertEqual(check(again), .invalidCode)
    }

    func testSingleUseAndTries() throws {
        var code = try send()
        XCTAssertNil(check(code))
        XCTAssertEqual(check(code), .invalidCode)
        clock.t += 60
        code = try send()
        for _ in 0..<5 { XCTAssertEqual(check(wrong(code)), .invalidCode) }
        XCTAssertEqual(check(code), .invalidCode)  // dead after five wrong tries
    }

    func testResendDoesNotResetTheHourlyFailureCount() throws {
        for _ in 0..<2 {
            clock.t += 60
            let code = try send()
            for _ in 0..<5 { _ = check(wrong(code)) }
        }
        clock.t += 60
        let code = try send()
        XCTAssertEqual(check(code), .throttled(retryAfter: 3600 - 120))
        clock.t += 3600
        clock.t += 60
        let fresh = try send()
        XCTAssertNil(check(fresh))
    }

    func testReplacementAndItsNotice() throws {
        let first = try send()
        clock.t += 60
        let second = try send()
        XCTAssertEqual(mail.sent.last?.values["replaces"], "yes")
        XCTAssertEqual(mail.sent.first?.values["replaces"], "")
        if first != second { XCTAssertEqual(check(first), .invalidCode) }
        XCTAssertNil(check(second))
    }

    func testPurposeBinding() throws {
        let code = try send(.reset)
        XCTAssertEqual(check(code, .verify), .invalidCode)
        XCTAssertNil(check(code, .reset))
    }

    func testSendLimits() throws {
        _ = try send()
        XCTAssertEqual(error { _ = try send() }, .tooManyCodeRequests(retryAfter: 60))
        for _ in 0..<4 { clock.t += 60; _ = try send() }
        clock.t += 60
        guard case .tooManyCodeRequests(let wait)? = error({ _ = try send() }) else { return XCTFail() }
        XCTAssertEqual(wait, 3600 - 300)
    }

    func testUnknownAddressDoesTheSameWork() throws {
        let ghost = try EmailAddress.parse("ghost@example.com").get()
        try accounts.sendCode(to: ghost, purpose: .verify, clientIP: "ip")
        XCTAssertEqual(mail.decoys, 1)
        XCTAssertTrue(mail.sent.isEmpty)
        XCTAssertNotNil(try accounts.store.loadCode(accounts.codeID(userID: accounts.userID(for: ghost), purpose: .verify)))
        XCTAssertEqual(error { try accounts.verifyCode("123456", for: ghost, purpose: .verify, clientIP: "ip") }, .invalidCode)
    }

    func testLoginPurposeIsOffByDefault() {
        XCTAssertEqual(error { _ = try send(.login) }, .purposeDisabled("login"))
    }

    func testCodesAreStoredOnlyAsKeyedHashes() throws {
        let code = try send()
        let stored = try accounts.store.loadCode(accounts.codeID(userID: accounts.userID(for: ann), purpose: .verify))!
        XCTAssertNotEqual(stored.codeHash, code)
        XCTAssertFalse(stored.codeHash.contains(code))
    }
}

final class PasswordChangeTests: CoreTestCase {
    func testResetGrantIsRefusedOutsideChangePassword() throws {
        let ann = try EmailAddress.parse("ann@example.com").get()
        let user = try accounts.addUser(ann, password: "password one")
        let grant = try accounts.openResetGrant(for: user, clientIP: "ip")
        XCTAssertEqual(error { _ = try accounts.authenticate(token: grant.token) }, .notAuthenticated)
        let auth = try accounts.authenticate(token: grant.token, allowResetGrant: true)
        try accounts.changePassword(auth, old: nil, new: "a new passphrase", clientIP: "ip")
        XCTAssertEqual(error { _ = try accounts.authenticate(token: grant.token, allowResetGrant: true) }, .notAuthenticated)
        clock.t += 1
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "a new passphrase", clientIP: "ip"))
    }

    func testPolicyReasons() throws {
        let ann = try EmailAddress.parse("annabel@example.com").get()
        try accounts.addUser(ann, password: "password one")
        let token = try accounts.signIn(username: "annabel@example.com", password: "password one", clientIP: "ip").token
        let auth = try accounts.authenticate(token: token)
        XCTAssertEqual(error { try accounts.changePassword(auth, old: "password one", new: "xx-Annabel-xx", clientIP: "ip") },
                       .invalidField(field: "new_password", reason: "the password must not contain your e-mail address"))
        XCTAssertEqual(error { try accounts.changePassword(auth, old: "password one", new: "password one", clientIP: "ip") },
                       .invalidField(field: "new_password", reason: "the new password must differ from the current one"))
        XCTAssertEqual(error { try accounts.changePassword(auth, old: "wrong one!", new: "fine passphrase", clientIP: "ip") },
                       .wrongPassword)
    }
}
