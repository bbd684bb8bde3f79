#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import GatehouseSystem
import TestSupport
import XCTest

final class AppendLogTests: XCTestCase {
    var dir = ""

    override func setUp() { dir = TestFiles.temporaryDirectory("append") }
    override func tearDown() { TestFiles.removeTree(dir) }

    /// The file stays open, but after logrotate moves it the next line
    /// starts a fresh one.
    func testALogMovedAwayIsStartedAfreshAtTheNextLine() throws {
        let log = AppendLog(path: dir + "/audit.log")
        try log.append("one")
        _ = system("mv '\(dir)/audit.log' '\(dir)/audit.log.1'")  // logrotate
        try log.append("two")
        XCTAssertEqual(try TestFiles.text(dir + "/audit.log"), "two\n")
    }

    /// Down to the reserve, no line is appended (the audit trail then
    /// writes it to the error log instead).
    func testNoAuditLineInsideTheReserve() throws {
        XCTAssertThrowsError(try AppendLog(path: dir + "/audit.log", reserve: DiskReserve(inodes: UInt64.max)).append("x"))
        XCTAssertFalse(Posix.exists(dir + "/audit.log"))
        try AppendLog(path: dir + "/audit.log", reserve: DiskReserve(bytes: 1 << 20)).append("x")
        XCTAssertTrue(Posix.exists(dir + "/audit.log"))
    }
}
