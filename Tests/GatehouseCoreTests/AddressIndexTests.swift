@testable import GatehouseCore
import XCTest

/// An account's id is its own, its address found through the index; an
/// account written before the index (id = the address's key) is found and
/// indexed on the way, and never by an address it no longer has.
final class AddressIndexTests: CoreTestCase {
    let ann: EmailAddress = "ann@example.com"

    func testANewAccountHasARandomIdAndItsAddressIsClaimed() throws {
        let user = try accounts.addUser(ann, password: "password one")
        XCTAssertNotEqual(user.id, accounts.addressKey(ann), "the id is not made from the address")
        XCTAssertEqual(user.id.utf8.count, 64)
        XCTAssertEqual(try store.owner(in: .addresses, accounts.addressKey(ann)), user.id)
        XCTAssertEqual(try accounts.findUser(ann)?.id, user.id)
        XCTAssertEqual(error { _ = try accounts.addUser(ann, password: "password two") }, .userExists)
        XCTAssertEqual(try store.allUsers().count, 1)
        XCTAssertNotEqual(try accounts.addUser("bob@example.com", password: "password one").id, user.id)
    }

    func testDeletingFreesTheAddressForANewAccount() throws {
        let first = try accounts.addUser(ann, password: "password one")
        try accounts.deleteUser(ann)
        XCTAssertNil(try store.owner(in: .addresses, accounts.addressKey(ann)))
        XCTAssertNil(try accounts.findUser(ann))
        let second = try accounts.addUser(ann, password: "password one")
        XCTAssertNotEqual(second.id, first.id)
    }

    /// A record as the release before the index wrote it.
    func legacy(_ email: EmailAddress) throws -> UserRecord {
        let user = UserRecord(id: accounts.addressKey(email), email: email, passwordHash: "$argon2id$x", created: 1, generation: "g")
        try store.insertUser(user)
        return user
    }

    func testAnAccountFromBeforeTheIndexIsFoundAndIndexed() throws {
        let old = try legacy(ann)
        XCTAssertNil(try store.owner(in: .addresses, old.id))
        XCTAssertEqual(try accounts.findUser(ann)?.id, old.id)
        XCTAssertEqual(try store.owner(in: .addresses, old.id), old.id, "indexed on the way")
        XCTAssertEqual(error { _ = try accounts.addUser(ann, password: "password two") }, .userExists)
        _ = try legacy("bob@example.com")
        _ = try legacy("cy@example.com")
        let report = try accounts.indexAddresses()
        XCTAssertEqual(report.indexed, 2)
        XCTAssertEqual(report.conflicts, [])
        XCTAssertEqual(try accounts.indexAddresses().indexed, 0, "again: nothing to do")
    }

    /// An old account whose address changed keeps its id, the old address's
    /// key: that address finds it no more, and may become another account's.
    func testAnOldIdNeverAnswersForAnAddressItNoLongerHas() throws {
        let old = try legacy(ann)
        let moved: EmailAddress = "ann@example.net"
        try store.updateUser(old.id) { $0.email = moved }
        XCTAssertTrue(try store.claim(in: .addresses, accounts.addressKey(moved), for: old.id))
        XCTAssertNil(try accounts.findUser(ann))
        XCTAssertEqual(try accounts.findUser(moved)?.id, old.id)
        let newcomer = try accounts.addUser(ann, password: "password one")
        XCTAssertNotEqual(newcomer.id, old.id)
        XCTAssertEqual(try accounts.findUser(ann)?.id, newcomer.id)
    }

    func testIndexingReportsAnAddressHeldByAnotherAccount() throws {
        let old = try legacy(ann)
        XCTAssertTrue(try store.claim(in: .addresses, old.id, for: String(repeating: "f", count: 64)))
        XCTAssertEqual(try accounts.indexAddresses().conflicts, [ann])
    }
}
