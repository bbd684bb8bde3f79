@testable import GatehouseCore
import GatehouseCrypto
import XCTest

final class OneTimeCodeTests: CodeTestCase {

    /// A store that decides by compare-and-swap may run the decision on a
    /// code that another request consumes before the decision lands: that
    /// decision said "right", but the code was not this request's to use.
    func testARightCodeTakenByAnotherRequestMeanwhileIsNotASuccess() throws {
        let code = try send()
        store.loseNextCodeRace = true
        XCTAssertEqual(check(code), .invalidCode)
        XCTAssertEqual(check(code), .invalidCode, "consumed by the other request")
    }

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
        XCTAssertNotNil(try accounts.store.loadCode(accounts.codeID(userID: accounts.addressKey(ghost), purpose: .verify)))
        XCTAssertEqual(error { try accounts.verifyCode("123456", for: ghost, purpose: .verify, clientIP: "ip") }, .invalidCode)
    }

    func testLoginPurposeIsOffByDefault() {
        XCTAssertEqual(error { _ = try send(.login) }, .purposeDisabled("login"))
    }

    func testCodesAreStoredOnlyAsKeyedHashes() throws {
        let code = try send()
        let stored = try accounts.store.loadCode(accounts.codeID(userID: try accounts.accountID(for: ann)!, purpose: .verify))!
        XCTAssertNotEqual(stored.codeHash, code)
        XCTAssertFalse(stored.codeHash.contains(code))
    }
}
