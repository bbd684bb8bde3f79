@testable import GatehouseCore
import XCTest

/// Signing up and leaving in the core: the account made only by the code,
/// a taken address told and never changed; deletion, its restore once,
/// and the purge that a restore cannot half undo.
final class LifecycleTests: CodeTestCase {
    let client = ClientInfo(ip: "192.0.2.9")
    let bob: EmailAddress = "bob@example.org"

    func open() throws {
        var policy = AccountPolicy()
        policy.signup = .open
        try make(policy: policy)
        try accounts.addUser(ann, password: "password one")
    }

    func testASignUpMakesTheAccountOnlyWithItsCode() throws {
        try open()
        try accounts.requestSignup(bob, password: "his own passphrase", invitation: nil, client: client)
        XCTAssertNil(try accounts.findUser(bob), "nothing before the code")
        let code = mail.sent.last!.values["code"]!
        XCTAssertEqual(error { _ = try accounts.completeSignup(self.wrong(code), for: self.bob, password: "his own passphrase", client: self.client) }, .invalidCode)
        let opened = try accounts.completeSignup(code, for: bob, password: "his own passphrase", client: client)
        XCTAssertEqual(opened.user.email, bob)
        XCTAssertTrue(try XCTUnwrap(accounts.findUser(bob)).emailVerified)
        XCTAssertNoThrow(try accounts.signIn(username: "bob@example.org", password: "his own passphrase", clientIP: "192.0.2.1"))
        XCTAssertEqual(error { _ = try accounts.completeSignup(code, for: self.bob, password: "his own passphrase", client: self.client) }, .invalidCode)
    }

    func testATakenAddressIsToldAndNothingChanges() throws {
        try open()
        let before = try XCTUnwrap(accounts.findUser(ann))
        try accounts.requestSignup(ann, password: "a takers passphrase", invitation: nil, client: client)
        XCTAssertEqual(mail.sent.last?.template, "signup-attempt")
        XCTAssertNil(mail.sent.last?.values["code"], "no code goes to a taken address")
        XCTAssertEqual(try accounts.findUser(ann), before)
    }

    func testClosedAndInvitationOnly() throws {
        XCTAssertEqual(error { try accounts.requestSignup(self.bob, password: "his own passphrase", invitation: nil, client: self.client) },
                       .signupClosed)
        var policy = AccountPolicy()
        policy.signup = .invitation
        try make(policy: policy)
        try accounts.invite(bob, signupPage: "https://example.org/account/signup")
        let page = try XCTUnwrap(mail.sent.last?.values["page"])
        let invitation = try XCTUnwrap(URLComponents(string: page)?.queryItems?.first { $0.name == "invitation" }?.value)
        let carol: EmailAddress = "carol@example.org"
        XCTAssertEqual(error { try accounts.requestSignup(carol, password: "carols passphrase", invitation: invitation, client: self.client) },
                       .invitationRequired, "an invitation is its address's alone")
        XCTAssertNoThrow(try accounts.requestSignup(bob, password: "his own passphrase", invitation: invitation, client: client))
        clock.t += Int64(policy.invitationLifetime) + 3600
        XCTAssertEqual(error { try accounts.requestSignup(self.bob, password: "his own passphrase", invitation: invitation, client: self.client) },
                       .invitationRequired, "expired")
    }

    func session() throws -> Authenticated {
        try accounts.authenticate(token: try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1").token)
    }

    func testDeletionEndsSessionsAndTheRestoreWorksOnce() throws {
        let auth = try session()
        try accounts.requestDeletion(auth, client: client)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: auth.token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1") },
                       .accountLeaving)
        let restore = try XCTUnwrap(mail.sent.last?.values["restore"])
        XCTAssertEqual(try accounts.purgeDeletedAccounts(), 0, "not due")
        try accounts.restoreAccount(restore, client: client)
        XCTAssertEqual(error { _ = try accounts.restoreAccount(restore, client: self.client) }, .invalidCode)
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "192.0.2.1"))
    }

    func testAPurgeMarksFirstSoNoRestoreFollowsIt() throws {
        let auth = try session()
        try accounts.requestDeletion(auth, client: client)
        let restore = try XCTUnwrap(mail.sent.last?.values["restore"])
        let id = auth.user.id
        // A purge cut short after its mark: the restore is refused, the next purge finishes.
        clock.t += Int64(accounts.policy.deletionGrace) - 10
        try accounts.store.updateUser(id) { $0.deleteAfter = UserRecord.purging }
        XCTAssertEqual(error { _ = try accounts.restoreAccount(restore, client: self.client) }, .invalidCode)
        XCTAssertEqual(try accounts.purgeDeletedAccounts(), 1)
        XCTAssertNil(try accounts.store.loadUser(id))
        XCTAssertNil(try accounts.findUser(ann))
        XCTAssertNil(try accounts.store.owner(in: .addresses, accounts.addressKey(ann)), "its claim went too")
    }

    func testANewDeviceIsToldOnceAndItsCodeEndsThatSession() throws {
        let signIn = { (ip: String) in try self.accounts.signIn(username: "ann@example.com", password: "password one", clientIP: ip) }
        _ = try signIn("198.51.100.7")
        _ = try signIn("198.51.100.200")
        XCTAssertTrue(mail.sent.isEmpty, "the first device is the baseline; its /24 is the same device")
        let taker = try signIn("203.0.113.5")
        let told = try XCTUnwrap(mail.sent.last)
        XCTAssertEqual(told.template, "new-device")
        XCTAssertEqual(told.values["network"], "203.0.113.0/24")
        _ = try signIn("203.0.113.9")
        XCTAssertEqual(mail.sent.count, 1, "known now")
        let grant = try accounts.notMe(told.values["not_me"]!, client: client)
        XCTAssertEqual(grant.user.email, ann)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: taker.token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.notMe(told.values["not_me"]!, client: self.client) }, .invalidCode, "once")
        for n in 0..<4 { _ = try signIn("192.0.\(n).1") }
        XCTAssertEqual(mail.sent.count, 3, "three an hour")
    }

    /// A taker changes the address, then asks to delete the account (its
    /// restore code goes to the taker): the owner's undo takes back both.
    func testAnUndoOfAChangeTakesBackADeletion() throws {
        let auth = try session()
        let theirs: EmailAddress = "taker@example.net"
        try accounts.requestEmailChange(auth, to: theirs, client: client)
        _ = try accounts.confirmEmailChange(auth, to: theirs, code: mail.sent.last!.values["code"]!, undoPage: "/u", client: client)
        let undo = try XCTUnwrap(mail.sent.last(where: { $0.template == "email-changed" })?.values["undo"])
        try accounts.requestDeletion(try accounts.authenticate(token: auth.token), client: client)
        let grant = try accounts.undoEmailChange(undo, client: client)
        XCTAssertEqual(grant.user.email, ann)
        XCTAssertFalse(try XCTUnwrap(accounts.findUser(ann)).leaving)
    }

    /// A claim left by a removal cut short (its account has no record)
    /// does not keep the address from a new account.
    func testAClaimWhoseAccountIsGoneIsTakenOver() throws {
        let bob: EmailAddress = "bob@example.org"
        XCTAssertTrue(try accounts.store.claim(in: .addresses, accounts.addressKey(bob), for: String(repeating: "ab", count: 32)))
        XCTAssertNoThrow(try accounts.addUser(bob, password: "his own passphrase"))
        XCTAssertEqual(try accounts.findUser(bob)?.email, bob)
    }
}
