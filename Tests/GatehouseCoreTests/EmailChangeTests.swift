@testable import GatehouseCore
import XCTest

/// A new address in the core: the code for the account and that address,
/// the claim at the change, the undo once.
final class EmailChangeTests: CodeTestCase {
    let client = ClientInfo(ip: "192.0.2.9")
    let new: EmailAddress = "ann@example.net"

    func session() throws -> Authenticated {
        try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1").token)
    }

    func testTheChangeAndItsUndo() throws {
        let auth = try session()
        try accounts.requestEmailChange(auth, to: new, client: client)
        let code = mail.sent.last!.values["code"]!
        XCTAssertEqual(mail.sent.last?.to, new)
        XCTAssertEqual(error { _ = try accounts.confirmEmailChange(auth, to: "other@example.net", code: code, undoPage: "/u", client: self.client) },
                       .invalidCode, "a code is for the address it was sent to")
        let changed = try accounts.confirmEmailChange(auth, to: new, code: code, undoPage: "/u", client: client)
        XCTAssertEqual(changed.id, auth.user.id, "the id stays")
        XCTAssertNil(try accounts.findUser(ann))
        XCTAssertEqual(try accounts.findUser(new)?.id, auth.user.id)
        let told = mail.sent.last!
        XCTAssertEqual(told.to, ann)
        XCTAssertEqual(told.template, "email-changed")
        XCTAssertEqual(told.values["undo_link"], "", "no link without an absolute page address")
        let grant = try accounts.undoEmailChange(told.values["undo"]!, client: client)
        XCTAssertEqual(grant.user.email, ann)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: auth.token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.undoEmailChange(told.values["undo"]!, client: self.client) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1") },
                       .invalidCredentials, "the password is unusable until a new one is set")
        XCTAssertNil(try accounts.findUser(new))
        XCTAssertEqual(try accounts.findUser(ann)?.id, auth.user.id)
    }

    func testATakenAddressGetsADecoyAndTheChangeIsRefused() throws {
        let auth = try session()
        try accounts.addUser(new, password: "password two")
        let sent = mail.sent.count
        try accounts.requestEmailChange(auth, to: new, client: client)
        XCTAssertEqual(mail.sent.count, sent)
        XCTAssertEqual(mail.decoys, 1)
        XCTAssertEqual(error { try accounts.requestEmailChange(auth, to: self.ann, client: self.client) },
                       .invalidField(field: "new_email", reason: "is the address the account has now"))
    }
}
