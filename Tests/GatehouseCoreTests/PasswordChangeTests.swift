@testable import GatehouseCore
import GatehouseCrypto
import XCTest

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
