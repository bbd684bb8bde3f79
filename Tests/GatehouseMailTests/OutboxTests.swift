#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseMail
import GatehouseStore
import TestSupport
import XCTest
import GatehouseSystem
import GatehouseCore
import GatehouseCrypto
import Logging

final class OutboxTests: XCTestCase {
    func testClaimSentRetryDead() throws {
        let dir = temp()
        defer { _ = system("rm -rf '\(dir)'") }
        let outbox = Outbox(dataDir: dir)
        try outbox.enqueue(id: "1-a", message: Array("m1".utf8))
        try outbox.enqueue(id: "2-b", message: Array("m2".utf8))
        XCTAssertEqual(outbox.pending().map(\.id), ["1-a", "2-b"])
        XCTAssertTrue(try outbox.claim("1-a") { m, _ in XCTAssertEqual(m, Array("m1".utf8)); return .sent })
        XCTAssertFalse(try outbox.claim("1-a") { _, _ in .sent })
        _ = try outbox.claim("2-b") { _, _ in .retry(at: 99, error: "down") }
        XCTAssertEqual(outbox.pending().first?.state, Outbox.State(attempts: 1, nextAttempt: 99, lastError: "down"))
        _ = try outbox.claim("2-b") { _, s in XCTAssertEqual(s.attempts, 1); return .dead(error: "still down") }
        XCTAssertEqual(outbox.pending().map(\.id), [])
        XCTAssertEqual(outbox.dead().map(\.id), ["2-b"])
        XCTAssertEqual(try outbox.retryDead(), 1)
        XCTAssertEqual(outbox.pending().first?.state.attempts, 0)
        XCTAssertThrowsError(try outbox.enqueue(id: "../x", message: []))
    }

}
