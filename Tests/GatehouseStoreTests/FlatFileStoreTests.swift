#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseStore
import TestSupport
import XCTest
import GatehouseSystem
import GatehouseCore

final class FlatFileStoreTests: XCTestCase {
    var dir = ""
    var store: FlatFileStore!

    override func setUpWithError() throws {
        dir = TestFiles.temporaryDirectory("store")
        store = try FlatFileStore.create(root: dir + "/data")
    }

    override func tearDown() {
        _ = system("rm -rf '\(dir)'")
    }

    let uid = String(repeating: "a1", count: 32)

    func user() -> UserRecord {
        UserRecord(id: uid, email: "a@example.com", passwordHash: "$argon2id$x", created: 100)
    }

    /// The per-account index of sessions is a hint: a stray file in it, or a
    /// directory no account id names, neither breaks the list nor stops gc.
    func testStrayFilesInTheSessionIndexAreSkipped() throws {
        let sid = String(repeating: "b2", count: 32)
        try store.insertSession(SessionRecord(id: sid, userID: uid, created: 1, lastSeen: 1, epoch: 0))
        let accountDir = dir + "/data/user-sessions/a1/a1/" + uid
        try TestFiles.write(accountDir + "/not-a-session", "")
        _ = system("mkdir -p '\(dir)/data/user-sessions/a1/a1/not-an-account'")
        XCTAssertEqual(try store.sessions(ofUser: uid).map(\.id), [sid])
        XCTAssertFalse(Posix.exists(accountDir + "/not-a-session"))
        XCTAssertNoThrow(try store.collectGarbage(sessionDead: { _ in true }, codeDead: { _ in false }, counterDead: { _ in false }))
        XCTAssertEqual(try store.sessions(ofUser: uid), [])
    }

    func testRefusesAnUninitialisedDirectory() {
        XCTAssertThrowsError(try FlatFileStore(root: dir + "/nothing")) {
            guard case StoreError.notInitialized = $0 else { return XCTFail("\($0)") }
        }
    }

    func testUserCRUD() throws {
        XCTAssertNil(try store.loadUser(uid))
        try store.insertUser(user())
        XCTAssertThrowsError(try store.insertUser(user())) { XCTAssertEqual($0 as? StoreError, .exists) }
        XCTAssertEqual(try store.loadUser(uid), user())
        let updated = try store.updateUser(uid) { $0.lock = .failures; $0.generation = "g1" }
        XCTAssertEqual(updated.lock, .failures)
        XCTAssertEqual(try store.loadUser(uid)?.lock, .failures)
        XCTAssertEqual(try store.loadUser(uid)?.generation, "g1")
        XCTAssertEqual(try store.allUsers().count, 1)
        XCTAssertTrue(try store.deleteUser(uid))
        XCTAssertFalse(try store.deleteUser(uid))
        XCTAssertThrowsError(try store.updateUser(uid) { _ in }) { XCTAssertEqual($0 as? StoreError, .notFound) }
    }

    func testShardedLayoutAndModes() throws {
        try store.insertUser(user())
        let file = "\(dir)/data/users/a1/a1/\(uid)"
        XCTAssertEqual(Posix.mode(file).map { $0 & 0o777 }, 0o600)
        XCTAssertEqual(Posix.mode("\(dir)/data/users/a1/a1").map { $0 & 0o777 }, 0o700)
    }

    func testRejectsKeysThatCouldEscapeTheDirectory() {
        for bad in ["../../etc/passwd", "ABCDEF0123456789", "short", String(repeating: "g", count: 64)] {
            XCTAssertThrowsError(try store.loadUser(bad), bad)
        }
    }

    func testSessionUpdateCanDelete() throws {
        let sid = String(repeating: "b2", count: 32)
        try store.insertSession(SessionRecord(id: sid, userID: uid, created: 1, lastSeen: 1, epoch: 0))
        XCTAssertEqual(try store.updateSession(sid, durable: false) { $0.lastSeen = 5; return true }?.lastSeen, 5)
        XCTAssertNil(try store.updateSession(sid, durable: true) { _ in false })
        XCTAssertNil(try store.loadSession(sid))
    }

    func testGarbageCollection() throws {
        let live = String(repeating: "d4", count: 32), dead = String(repeating: "e5", count: 32)
        try store.insertSession(SessionRecord(id: live, userID: uid, created: 1, lastSeen: 100, epoch: 0))
        try store.insertSession(SessionRecord(id: dead, userID: uid, created: 1, lastSeen: 1, epoch: 0))
        try store.updateCounter(live) { $0.last = 100; $0.expires = 1 << 40 }
        try store.updateCounter(dead) { $0.last = 1; $0.expires = 1 << 40 }
        let report = try store.collectGarbage(sessionDead: { $0.lastSeen < 50 }, codeDead: { _ in false }, counterDead: { $0.last < 50 })
        XCTAssertEqual(report, GCReport(sessions: 1, counters: 1))
        XCTAssertNotNil(try store.loadSession(live))
        XCTAssertNil(try store.loadSession(dead))
    }

    func testFsckFindsAndRepairs() throws {
        try store.insertUser(user())
        XCTAssertEqual(try store.fsck(repair: false).findings, [])
        let file = "\(dir)/data/users/a1/a1/\(uid)"
        // A young temporary is a write in progress, not damage.
        _ = system("printf 'half' > '\(file).tmp-42-x'")
        XCTAssertEqual(try store.fsck(repair: false).findings, [])
        _ = system("touch -d '2 minutes ago' '\(file).tmp-42-x'; chmod 644 '\(file)'")
        var (_, findings) = try store.fsck(repair: false)
        XCTAssertEqual(Set(findings.map(\.kind)), [.strayTemp, .badMode])
        (_, findings) = try store.fsck(repair: true)
        XCTAssertTrue(findings.allSatisfy(\.repaired))
        XCTAssertEqual(try store.fsck(repair: false).findings, [])
        _ = system("printf 'gatehouse-user 1\\nid: x\\n' > '\(file)'")
        (_, findings) = try store.fsck(repair: true)
        XCTAssertEqual(findings.map(\.kind), [.corrupt])
        XCTAssertTrue(Posix.exists(file + ".corrupt"))
    }

    func testFsckRepairNeverFollowsALink() throws {
        try store.insertUser(user())
        let outside = "\(dir)/outside"
        _ = system("printf x > '\(outside)'; chmod 644 '\(outside)'; ln -s '\(outside)' '\(dir)/data/users/a1/a1/\(uid)-link'")
        let (_, findings) = try store.fsck(repair: true)
        XCTAssertEqual(findings.map(\.kind), [.misplaced])
        XCTAssertFalse(findings[0].repaired)
        XCTAssertEqual(Posix.mode(outside)! & 0o777, 0o644)
    }

    /// What the outbox relies on to notice that the file it locked was
    /// unlinked or renamed away meanwhile.
    func testALockedFileKnowsWhetherItIsStillLinked() throws {
        let path = "\(dir)/probe"
        _ = system("printf x > '\(path)'")
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        XCTAssertTrue(Posix.isStillLinked(fd, at: path))
        _ = system("mv '\(path)' '\(path).dead'; printf y > '\(path)'")
        XCTAssertFalse(Posix.isStillLinked(fd, at: path))
        _ = system("rm '\(path)'")
        XCTAssertFalse(Posix.isStillLinked(fd, at: path))
    }

    func testServerFiles() throws {
        XCTAssertNil(try store.loadServerFile("server.key"))
        try store.saveServerFile("server.key", Array("k\n".utf8))
        XCTAssertEqual(try store.loadServerFile("server.key"), Array("k\n".utf8))
        XCTAssertThrowsError(try store.saveServerFile("../x", []))
    }
}
