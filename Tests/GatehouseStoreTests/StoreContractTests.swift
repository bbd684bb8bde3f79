#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
import GatehousePostgres
import GatehouseStore
import TestSupport
import XCTest

/// What the core relies on from any store, checked the same way against
/// each back end: the flat files, and PostgreSQL (a database named by
/// GATEHOUSE_TEST_POSTGRES, which `make unit` starts and sets). The checks
/// live here; each back end's test case runs every one (XCTest on Linux
/// finds only the methods a class declares itself, not inherited ones).
struct ContractAbort: Error {}

protocol StoreContract: XCTestCase {
    func makeStore() throws -> AccountStore
}

extension StoreContract {
    var uid: String { String(repeating: "a1", count: 32) }
    func user(_ id: String? = nil) -> UserRecord {
        UserRecord(id: id ?? uid, email: "ann@example.com", passwordHash: "$argon2id$x", created: 1, generation: "g")
    }

    func checkUsers() throws {
        let store = try makeStore()
        XCTAssertNil(try store.loadUser(uid))
        try store.insertUser(user())
        XCTAssertThrowsError(try store.insertUser(user())) { XCTAssertEqual($0 as? StoreError, .exists) }
        XCTAssertEqual(try store.loadUser(uid), user())
        let changed = try store.updateUser(uid) { $0.lock = .failures; $0.sessionEpoch = 3; $0.survivingSession = "s" }
        XCTAssertEqual(try store.loadUser(uid), changed)
        let enrolled = try store.updateUser(uid) {
            $0.secondFactor = SecondFactor(totpSecret: "c2VhbGVk", pendingSecret: "", lastStep: 56_666_666, recoveryCodes: ["$argon2id$v=19$m=8,t=1,p=1$a$b", "", "c3"])
        }
        XCTAssertEqual(try store.loadUser(uid), enrolled)
        let withPasskeys = try store.updateUser(uid) {
            $0.passkeys = [Passkey(id: "Y3JlZA", publicKey: "a2V5", signCount: 4, name: "Ann's key; ü", created: 2, lastUsed: 3,
                                   userVerified: true, backupEligible: true)]
            $0.passkeyHandle = "aGFuZGxl"
        }
        XCTAssertEqual(try store.loadUser(uid), withPasskeys)
        XCTAssertNil(try store.loadSessionWithUser("f0f0f0f0f0f0"))
        XCTAssertThrowsError(try store.updateUser("b2b2b2b2b2b2") { _ in }) { XCTAssertEqual($0 as? StoreError, .notFound) }
        // A change that throws writes nothing.
        XCTAssertThrowsError(try store.updateUser(uid) { $0.email = "x@example.com"; throw ContractAbort() })
        XCTAssertEqual(try store.loadUser(uid)?.email, "ann@example.com")
        XCTAssertEqual(try store.allUsers().map(\.id), [uid])
        XCTAssertTrue(try store.deleteUser(uid))
        XCTAssertFalse(try store.deleteUser(uid))
    }

    /// A key of either index is one account's: the first claim wins, a
    /// second account's is refused, the owner's own again is fine; released
    /// only by its owner; the two indexes are apart; and a deleted
    /// account's claims go with it or are freed by the core.
    func checkAccountIndexes() throws {
        for index in AccountIndexName.allCases {
            let store = try makeStore()
            try store.insertUser(user())
            try store.insertUser(user("b2b2b2b2b2b2"))
            let key = "c1c1c1c1c1c1c1c1"
            XCTAssertNil(try store.owner(in: index, key))
            XCTAssertTrue(try store.claim(in: index, key, for: uid))
            XCTAssertTrue(try store.claim(in: index, key, for: uid))
            XCTAssertFalse(try store.claim(in: index, key, for: "b2b2b2b2b2b2"))
            XCTAssertEqual(try store.owner(in: index, key), uid)
            let other = AccountIndexName.allCases.first { $0 != index }!
            XCTAssertNil(try store.owner(in: other, key), "\(index) is not \(other)")
            try store.release(in: index, key, of: "b2b2b2b2b2b2")
            XCTAssertEqual(try store.owner(in: index, key), uid)
            try store.release(in: index, key, of: uid)
            XCTAssertNil(try store.owner(in: index, key))
            XCTAssertTrue(try store.claim(in: index, key, for: "b2b2b2b2b2b2"))
        }
    }

    func checkSessions() throws {
        let store = try makeStore()
        let s = SessionRecord(id: "c3c3c3c3c3c3", userID: uid, created: 1, lastSeen: 2, epoch: 0, generation: "g", kind: .reset)
        try store.insertSession(s)
        XCTAssertEqual(try store.loadSession(s.id), s)
        XCTAssertEqual(try store.updateSession(s.id, durable: false) { $0.lastSeen = 9; return true }?.lastSeen, 9)
        XCTAssertNil(try store.updateSession(s.id, durable: true) { _ in false }, "false deletes")
        XCTAssertNil(try store.loadSession(s.id))
        try store.insertSession(s)
        XCTAssertTrue(try store.deleteSession(s.id), "one delete wins")
        XCTAssertFalse(try store.deleteSession(s.id))
        // What a session was proved with, and a second-step ticket's tries.
        let ticket = SessionRecord(id: "c4c4c4c4c4c4", userID: uid, created: 1, lastSeen: 1, epoch: 0, kind: .secondStep,
                                   factors: [.emailCode], tries: 2, browser: "Firefox")
        try store.insertSession(ticket)
        XCTAssertEqual(try store.loadSession(ticket.id), ticket)
        let proved = try store.updateSession(ticket.id, durable: true) { t in
            t.factors.append(.recoveryCode)
            t.reauthAt = 7
            return true
        }
        XCTAssertEqual(proved?.factors, [.emailCode, .recoveryCode])
        XCTAssertEqual(try store.loadSession(ticket.id)?.reauthAt, 7)
        // An account's own sessions, and only those.
        let mine = ["c5c5c5c5c5c5", "c6c6c6c6c6c6"].map { SessionRecord(id: $0, userID: uid, created: 1, lastSeen: 1, epoch: 0) }
        for s in mine { try store.insertSession(s) }
        try store.insertSession(SessionRecord(id: "c7c7c7c7c7c7", userID: "e5e5e5e5e5e5", created: 1, lastSeen: 1, epoch: 0))
        XCTAssertEqual(Set(try store.sessions(ofUser: uid).filter { $0.kind == .session }.map(\.id)), Set(mine.map(\.id)))
        XCTAssertTrue(try store.deleteSession(mine[0].id))
        XCTAssertEqual(try store.sessions(ofUser: uid).filter { $0.kind == .session }.map(\.id), [mine[1].id])
        XCTAssertEqual(try store.sessions(ofUser: "f6f6f6f6f6f6"), [])
    }

    func checkCodes() throws {
        let store = try makeStore()
        let c = CodeRecord(id: "d4d4d4d4d4d4", userID: uid, purpose: "reset", codeHash: "h", created: 1, expires: 100)
        try store.putCode(c)
        var replaced = c
        replaced.codeHash = "h2"
        try store.putCode(replaced)
        XCTAssertEqual(try store.loadCode(c.id)?.codeHash, "h2")
        XCTAssertEqual(try store.updateCode(c.id) { $0.tries += 1; return true }.record?.tries, 1)
        XCTAssertEqual(try store.allCodes().count, 1)
        guard case .removed = try store.updateCode(c.id, { _ in false }) else { return XCTFail("not removed") }
        XCTAssertNil(try store.loadCode(c.id))
        guard case .missing = try store.updateCode(c.id, { _ in XCTFail("called for no code"); return true }) else {
            return XCTFail("not missing")
        }
    }

    func checkCountersAndServerFiles() throws {
        let store = try makeStore()
        XCTAssertEqual(try store.readCounter("e5e5e5e5e5e5"), CounterRecord())
        try store.updateCounter("e5e5e5e5e5e5") { $0.count += 2; $0.last = 7; $0.until = 9 }
        XCTAssertEqual(try store.readCounter("e5e5e5e5e5e5"), CounterRecord(count: 2, last: 7, until: 9))
        try store.resetCounter("e5e5e5e5e5e5")
        XCTAssertEqual(try store.readCounter("e5e5e5e5e5e5"), CounterRecord())
        // Changed only if there; removed when the change leaves it empty.
        try store.updateExistingCounter("f6f6f6f6f6f6", removingIf: { _ in false }) { $0.count = 5 }
        XCTAssertEqual(try store.readCounter("f6f6f6f6f6f6"), CounterRecord())
        try store.updateCounter("f6f6f6f6f6f6") { $0.count = 2; $0.until = 3 }
        try store.updateExistingCounter("f6f6f6f6f6f6", removingIf: { $0.count == 0 }) { $0.count -= 1 }
        XCTAssertEqual(try store.readCounter("f6f6f6f6f6f6"), CounterRecord(count: 1, last: 0, until: 3))
        try store.updateExistingCounter("f6f6f6f6f6f6", removingIf: { $0.count == 0 }) { $0.count -= 1 }
        XCTAssertEqual(try store.readCounter("f6f6f6f6f6f6"), CounterRecord())
        XCTAssertNil(try store.loadServerFile("server.key"))
        try store.saveServerFile("server.key", Array("k\n".utf8))
        XCTAssertEqual(try store.loadServerFile("server.key"), Array("k\n".utf8))
    }
}

final class FlatFileStoreContractTests: XCTestCase, StoreContract {
    var dir = ""
    func testUsers() throws { try checkUsers() }
    func testSessions() throws { try checkSessions() }
    func testCodes() throws { try checkCodes() }
    func testCountersAndServerFiles() throws { try checkCountersAndServerFiles() }
    func testAccountIndexes() throws { try checkAccountIndexes() }

    func makeStore() throws -> AccountStore {
        dir = TestFiles.temporaryDirectory("contract")
        return try FlatFileStore.create(root: dir + "/data")
    }
    override func tearDown() { TestFiles.removeTree(dir) }
}

/// The store the core's own tests run on: the contract holds for it too.
final class MemoryStoreContractTests: XCTestCase, StoreContract {
    func testUsers() throws { try checkUsers() }
    func testSessions() throws { try checkSessions() }
    func testCodes() throws { try checkCodes() }
    func testCountersAndServerFiles() throws { try checkCountersAndServerFiles() }
    func testAccountIndexes() throws { try checkAccountIndexes() }

    func makeStore() throws -> AccountStore { MemoryStore() }
}

final class PostgresStoreContractTests: XCTestCase, StoreContract {
    func testUsers() throws { try checkUsers() }
    func testSessions() throws { try checkSessions() }
    func testCodes() throws { try checkCodes() }
    func testCountersAndServerFiles() throws { try checkCountersAndServerFiles() }
    func testAccountIndexes() throws { try checkAccountIndexes() }

    func makeStore() throws -> AccountStore {
        guard let dsn = getenv("GATEHOUSE_TEST_POSTGRES").map({ String(cString: $0) }), !dsn.isEmpty else {
            throw XCTSkip("GATEHOUSE_TEST_POSTGRES names no database (make unit starts one)")
        }
        let store = try PostgresStore(conninfo: dsn)
        try store.migrate()
        try store.wipeForTests()
        return store
    }
}
