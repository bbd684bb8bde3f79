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
        XCTAssertEqual(told.values["undo_page"], "/u")
        let grant = try accounts.undoEmailChange(told.values["undo"]!, client: client)
        XCTAssertEqual(grant.user.email, ann)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: auth.token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.undoEmailChange(told.values["undo"]!, client: self.client) }, .invalidCode)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1") },
                       .invalidCredentials, "the password is unusable until a new one is set")
        XCTAssertNil(try accounts.findUser(new))
        XCTAssertEqual(try accounts.findUser(ann)?.id, auth.user.id)
        XCTAssertEqual(mail.sent.last?.to, new, "the address it was changed to is told")
        XCTAssertEqual(mail.sent.last?.template, "email-change-undone")
    }

    /// Whoever holds the session changes A to E, then E to E2: E gets no
    /// undo code of its own to cancel A's, and A's still works.
    func testOnlyTheFirstAddressOfTheWindowUndoes() throws {
        let auth = try session()
        let second: EmailAddress = "taker2@example.net"
        try accounts.requestEmailChange(auth, to: new, client: client)
        _ = try accounts.confirmEmailChange(auth, to: new, code: mail.sent.last!.values["code"]!, undoPage: "/u", client: client)
        let owners = mail.sent.last!.values["undo"]!
        clock.t += 120
        try accounts.requestEmailChange(auth, to: second, client: client)
        _ = try accounts.confirmEmailChange(auth, to: second, code: mail.sent.last!.values["code"]!, undoPage: "/u", client: client)
        XCTAssertEqual(mail.sent.last?.to, new)
        XCTAssertEqual(mail.sent.last?.values["undo"], "", "the second change's old address gets no code")
        XCTAssertEqual(try accounts.undoEmailChange(owners, client: client).user.email, ann)
        XCTAssertNil(try accounts.findUser(second))
    }

    /// The undo takes every factor away: one added by whoever changed the
    /// address must not let them back in.
    func testTheUndoRemovesTheFactors() throws {
        let auth = try session()
        try accounts.requestEmailChange(auth, to: new, client: client)
        _ = try accounts.confirmEmailChange(auth, to: new, code: mail.sent.last!.values["code"]!, undoPage: "/u", client: client)
        let undo = mail.sent.last!.values["undo"]!
        try store.updateUser(auth.user.id) { $0.secondFactor.totpSecret = "c2VhbGVk" }
        _ = try accounts.undoEmailChange(undo, client: client)
        XCTAssertEqual(try store.loadUser(auth.user.id)?.secondFactor.enabled, false)
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
