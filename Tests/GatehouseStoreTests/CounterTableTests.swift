#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore
@testable import GatehouseStore
import GatehouseSystem
import TestSupport
import XCTest

/// The flat-file store's counters: one table of fixed size, whatever a
/// flood makes Gatehouse count.
final class CounterTableTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = TestFiles.temporaryDirectory("counters") }
    override func tearDown() { TestFiles.removeTree(dir) }

    func id(_ n: Int) -> String {
        // Ids are keyed hashes: spread over the stripes like them.
        var x = UInt64(n) &* 0x9E37_79B9_7F4A_7C15
        var hex = ""
        for _ in 0..<8 { let b = String(UInt8(x >> 56), radix: 16); hex += b.count == 1 ? "0" + b : b; x <<= 8 }
        return hex + String(repeating: "0", count: 48)
    }

    func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : -1
    }

    /// Any number of new counters (a flood from new addresses, guesses at
    /// made-up accounts) takes the table's fixed size and no more: no file
    /// per counter, the oldest that refuse nothing forgotten.
    func testAFloodOfCountersTakesTheTablesFixedSizeAndNoMore() throws {
        let store = try FlatFileStore.create(root: dir + "/data", counterTableMiB: 1)
        try store.updateCounter(id(0)) { $0.count = 1; $0.last = 1 }
        let table = dir + "/data/counters.table"
        let fixed = size(table)
        XCTAssertEqual(fixed, 4096 + 16_384 * 64)
        for n in 1...40_000 { try store.updateCounter(id(n)) { $0.count = 1; $0.last = Int64(1000 + n); $0.expires = 1 << 40 } }
        XCTAssertEqual(size(table), fixed)
        XCTAssertFalse(Posix.exists(dir + "/data/counters"))
        XCTAssertEqual(try store.readCounter(id(40_000)).count, 1, "the newest is there")
        XCTAssertEqual(try store.readCounter(id(1)).count, 0, "the least recently used went first")
        let (used, torn) = try CounterTable(path: table, slots: 0).survey(repair: false)
        XCTAssertEqual(used, 16_384)
        XCTAssertEqual(torn, 0)
    }

    /// A stripe's place for a new counter: empty, else expired, else the
    /// least recently used that refuses nothing; never a live refusal, and
    /// when all are, the new counter is refused rather than one of them.
    func testAFullStripeNeverForgetsALiveRefusal() throws {
        let table = try CounterTable(path: dir + "/one-stripe", slots: CounterTable.stripeSlots)
        let now: Int64 = 10_000
        for n in 0..<CounterTable.stripeSlots {
            try table.update(id(n), create: true) { _ in CounterRecord(count: 5, last: now, holdUntil: now + 600, expires: now + 3600) }
        }
        XCTAssertThrowsError(try table.update(id(99), create: true) { _ in CounterRecord(count: 1, last: now) }) {
            guard case StoreError.unavailable = $0 else { return XCTFail("\($0)") }
        }
        for n in 0..<CounterTable.stripeSlots { XCTAssertEqual(try table.read(id(n)).count, 5) }
        // One refusal over and its window with it: that slot is free.
        try table.update(id(3), create: false) { c in var c = c; c.holdUntil = 0; c.expires = now; return c }
        try table.update(id(99), create: true) { _ in CounterRecord(count: 1, last: now) }
        XCTAssertEqual(try table.read(id(3)).count, 0)
        XCTAssertEqual(try table.read(id(99)).count, 1)
        // Refusals that ended, windows still open: of those, the fewest
        // counts go first, the least recently used among equals.
        try table.update(id(7), create: false) { c in var c = c; c.holdUntil = 0; c.last = now - 50; return c }
        try table.update(id(8), create: false) { c in var c = c; c.holdUntil = 0; c.last = now - 90; return c }
        try table.update(id(100), create: true) { _ in CounterRecord(count: 1, last: now) }
        XCTAssertEqual(try table.read(id(99)).count, 0, "one count, fewer than 5")
        try table.update(id(101), create: true) { _ in CounterRecord(count: 9, last: now, holdUntil: now + 600) }
        XCTAssertEqual(try table.read(id(100)).count, 0)
        try table.update(id(102), create: true) { _ in CounterRecord(count: 1, last: now) }
        XCTAssertEqual(try table.read(id(8)).count, 0, "5 and 5: the older one")
        XCTAssertEqual(try table.read(id(7)).count, 5)
    }

    /// A worker killed in the middle of writing a slot leaves it torn: it
    /// reads as no counter, and fsck clears it.
    func testATornSlotReadsAsNoCounter() throws {
        let store = try FlatFileStore.create(root: dir + "/data", counterTableMiB: 1)
        try store.updateCounter(id(1)) { $0.count = 3; $0.last = 5 }
        let path = dir + "/data/counters.table"
        let table = try CounterTable(path: path, slots: 0)
        let index = try XCTUnwrap(table.find(CounterTable.key(id(1)), from: table.stripe(of: CounterTable.key(id(1))) * CounterTable.stripeSlots))
        table.slotAddress(index).storeBytes(of: Int64(99), toByteOffset: 16, as: Int64.self)
        XCTAssertEqual(try store.readCounter(id(1)), CounterRecord())
        var (_, findings) = try store.fsck(repair: false)
        XCTAssertEqual(findings.map(\.kind), [.corrupt])
        (_, findings) = try store.fsck(repair: true)
        XCTAssertTrue(findings.allSatisfy(\.repaired))
        XCTAssertEqual(try store.fsck(repair: false).findings, [])
        XCTAssertEqual(try store.updateCounter(id(1)) { $0.count += 1; $0.last = 6 }.count, 1)
        // A table whose maker was killed mid-way leaves its temporary: fsck removes it.
        _ = system("printf x > '\(path).tmp-1-x' && touch -d '2 minutes ago' '\(path).tmp-1-x'")
        (_, findings) = try store.fsck(repair: true)
        XCTAssertEqual(findings.map(\.kind), [.strayTemp])
        XCTAssertFalse(Posix.exists(path + ".tmp-1-x"))
    }

    func testAResetFreesTheSlotAndMakesNothing() throws {
        let store = try FlatFileStore.create(root: dir + "/data", counterTableMiB: 1)
        try store.updateCounter(id(1)) { $0.count = 3; $0.last = 5 }
        try store.resetCounter(id(1))
        try store.resetCounter(id(2))
        try store.updateExistingCounter(id(3), removingIf: { _ in false }) { $0.count = 9 }
        XCTAssertEqual(try CounterTable(path: dir + "/data/counters.table", slots: 0).survey(repair: false).used, 0)
    }

    /// counter_table_mib changed: gc puts a table of the new size in place
    /// with every counter in it, and a process holding the old one follows.
    func testGCResizesTheTableAndEveryHolderFollows() throws {
        let before = try FlatFileStore.create(root: dir + "/data", counterTableMiB: 1)
        for n in 0..<100 { try before.updateCounter(id(n)) { $0.count = n + 1; $0.last = 7; $0.expires = 1 << 40 } }
        let after = try FlatFileStore(root: dir + "/data", counterTableMiB: 2)
        _ = try after.collectGarbage(sessionDead: { _ in false }, codeDead: { _ in false }, counterDead: { _ in false })
        XCTAssertEqual(size(dir + "/data/counters.table"), 4096 + 32_768 * 64)
        for n in 0..<100 { XCTAssertEqual(try after.readCounter(id(n)).count, n + 1) }
        // The process that held the old table counts into the new one.
        try before.updateCounter(id(5)) { $0.count += 100 }
        XCTAssertEqual(try after.readCounter(id(5)).count, 106)
        XCTAssertFalse(Posix.exists(dir + "/data/counters.table.resize"))
    }

    /// Counter files of an earlier version are gc's to remove.
    func testGCRemovesTheCounterFilesOfAnEarlierVersion() throws {
        let store = try FlatFileStore.create(root: dir + "/data", counterTableMiB: 1)
        _ = system("mkdir -p '\(dir)/data/counters/ab/cd' && touch '\(dir)/data/counters/ab/.lock' '\(dir)/data/counters/ab/cd/abcd0000'")
        let report = try store.collectGarbage(sessionDead: { _ in false }, codeDead: { _ in false }, counterDead: { _ in false })
        XCTAssertEqual(report.counters, 1)
        XCTAssertFalse(Posix.exists(dir + "/data/counters"))
    }
}
