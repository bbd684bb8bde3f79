#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
@testable import GatehousePostgres
import XCTest

/// The connection's outcome is input too: a COMMIT whose answer never
/// arrives is not a yes. Against a real server (GATEHOUSE_TEST_POSTGRES),
/// with the backend terminated from a second connection between the last
/// statement of a transaction and its COMMIT.
final class PostgresConnectionTests: XCTestCase {
    func dsn() throws -> String {
        guard let dsn = getenv("GATEHOUSE_TEST_POSTGRES").map({ String(cString: $0) }), !dsn.isEmpty else {
            throw XCTSkip("GATEHOUSE_TEST_POSTGRES names no database (make unit starts one)")
        }
        return dsn
    }

    let uid = String(repeating: "c3", count: 32)

    func store() throws -> PostgresStore {
        let store = try PostgresStore(conninfo: try dsn())
        try store.migrate()
        try store.wipeForTests()
        try store.insertUser(UserRecord(id: uid, email: "ann@example.com", passwordHash: "old", created: 1, generation: "g"))
        return store
    }

    /// Ends the store's backend from another connection and waits until
    /// the server has rolled its transaction back.
    func terminateBackend(of store: PostgresStore, using other: Connection) throws {
        let pid = try XCTUnwrap(store.connection.query("SELECT pg_backend_pid()").first?.first ?? nil)
        try other.query("SELECT pg_terminate_backend($1)", [pid])
        for _ in 0..<200 {
            if try other.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", [pid]).isEmpty { return }
            usleep(10_000)
        }
        XCTFail("backend \(pid) did not end")
    }

    func testACommitWhoseConnectionIsLostIsNeverReportedAsDone() throws {
        let store = try store()
        let other = try Connection(conninfo: try dsn())
        _ = try store.loadUser(uid)
        store.connection.beforeCommit = { try self.terminateBackend(of: store, using: other) }
        XCTAssertThrowsError(try store.updateUser(uid) { $0.passwordHash = "new" }) { error in
            guard case .unavailable? = error as? StoreError else { return XCTFail("\(error)") }
        }
        store.connection.beforeCommit = nil
        // The next statement reconnects, and the change is not there.
        XCTAssertEqual(try store.loadUser(uid)?.passwordHash, "old")
    }

    /// Counters and codes are decided by compare-and-swap, without a
    /// transaction: a conditional write whose connection is lost is
    /// unavailable, never run again on a new connection (where it would
    /// find its own write and take it for another's).
    func testACompareAndSwapWhoseConnectionIsLostIsNeverRunAgain() throws {
        let store = try store()
        let other = try Connection(conninfo: try dsn())
        store.connection.beforeUnrepeatable = { try self.terminateBackend(of: store, using: other) }
        XCTAssertThrowsError(try store.updateCounter(uid) { $0.count = 7 }) { error in
            guard case .unavailable? = error as? StoreError else { return XCTFail("\(error)") }
        }
        store.connection.beforeUnrepeatable = nil
        XCTAssertEqual(try store.readCounter(uid).count, 0)
        try store.putCode(CodeRecord(id: uid, userID: uid, purpose: "verify", codeHash: "h", created: 1, expires: 1 << 40))
        store.connection.beforeUnrepeatable = { try self.terminateBackend(of: store, using: other) }
        XCTAssertThrowsError(try store.updateCode(uid) { _ in false }) { error in
            guard case .unavailable? = error as? StoreError else { return XCTFail("\(error)") }
        }
        store.connection.beforeUnrepeatable = nil
        XCTAssertNotNil(try store.loadCode(uid), "the code was not consumed")
    }

    func testAStatementInsideALostTransactionIsNotRunAgainElsewhere() throws {
        let store = try store()
        let other = try Connection(conninfo: try dsn())
        _ = try store.loadUser(uid)
        XCTAssertThrowsError(try store.connection.transaction {
            try store.connection.query("UPDATE gatehouse_users SET password_hash = 'first' WHERE id = $1", [uid])
            try terminateBackend(of: store, using: other)
            try store.connection.query("UPDATE gatehouse_users SET password_hash = 'second' WHERE id = $1", [uid])
        }) { error in
            guard case .unavailable? = error as? StoreError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try store.loadUser(uid)?.passwordHash, "old")
    }

    /// Statements are prepared once per connection; one first prepared in
    /// a transaction that rolls back is still there after it, and a new
    /// connection prepares its own.
    func testPreparedStatementsOutliveARollbackAndAReconnect() throws {
        let store = try store()
        let other = try Connection(conninfo: try dsn())
        struct Abandon: Error {}
        XCTAssertThrowsError(try store.connection.transaction {
            _ = try store.connection.query("SELECT password_hash FROM gatehouse_users WHERE id = $1", [uid])
            throw Abandon()
        })
        XCTAssertEqual(try store.connection.query("SELECT password_hash FROM gatehouse_users WHERE id = $1", [uid]).first?.first, "old")
        try terminateBackend(of: store, using: other)
        XCTAssertEqual(try store.connection.query("SELECT password_hash FROM gatehouse_users WHERE id = $1", [uid]).first?.first, "old")
    }

    func testOutsideATransactionALostConnectionIsResetOnce() throws {
        let store = try store()
        let other = try Connection(conninfo: try dsn())
        _ = try store.loadUser(uid)
        try terminateBackend(of: store, using: other)
        XCTAssertEqual(try store.loadUser(uid)?.passwordHash, "old")
    }
}
