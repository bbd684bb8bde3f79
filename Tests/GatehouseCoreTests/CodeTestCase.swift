@testable import GatehouseCore
import GatehouseCrypto
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
