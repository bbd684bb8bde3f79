@testable import GatehouseCore
import GatehouseCrypto
import Foundation
import XCTest
import GatehouseSystem

/// The code rules that protect the owner from whoever lacks the mailbox.
final class CodeBudgetTests: CodeTestCase {
    func verify(_ code: String, ip: String, _ who: EmailAddress? = nil) -> AccountError? {
        error { try accounts.verifyCode(code, for: who ?? ann, purpose: .reset, clientIP: ip) }
    }

    func testGuessesWithoutACodeDoNotUseUpTheOwnersTries() throws {
        for _ in 0..<30 { _ = verify("000000", ip: "attacker") }
        XCTAssertEqual(verify("000000", ip: "attacker"), .throttled(retryAfter: 3600), "the attacker's own budget is spent")
        let code = try send(.reset, ip: "owner")
        XCTAssertNil(verify(code, ip: "owner"))
    }

    func testWrongGuessesAtTheOwnersCodeSpendTheGuessersBudgetOnly() throws {
        var code = try send(.reset, ip: "owner")
        for round in 0..<3 {
            for _ in 0..<4 { _ = verify(wrong(code), ip: "attacker") }
            clock.t += 60
            if round < 2 { code = try send(.reset, ip: "owner") }
        }
        XCTAssertEqual(verify(code, ip: "attacker"), .throttled(retryAfter: 3600 - 180))
        XCTAssertNil(verify(code, ip: "owner"))
    }

    func testWrongCodesAcrossAccountsAreLimitedPerClient() throws {
        var p = AccountPolicy()
        p.codes.verifyFailuresPerHourPerClient = 3
        try make(policy: p)
        try accounts.addUser(ann, password: "password one")
        let others = (0..<4).map { try! EmailAddress.parse("user\($0)@example.com").get() }
        for o in others.prefix(3) { XCTAssertEqual(verify("000000", ip: "sprayer", o), .invalidCode) }
        XCTAssertEqual(verify("000000", ip: "sprayer", others[3]), .throttled(retryAfter: 3600))
        XCTAssertEqual(verify("000000", ip: "someone else", others[3]), .invalidCode)
    }
}
