#if canImport(Glibc)
import Glibc
#endif
import GatehouseFiles
import TestSupport
import XCTest

final class SortedLineFileTests: XCTestCase {
    func testBinarySearchFindsEveryLineAndNothingElse() throws {
        let dir = TestFiles.temporaryDirectory("list")
        defer { TestFiles.removeTree(dir) }
        let words = (0..<3000).map { "w\($0 * 7)" }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let f = fopen(dir + "/list", "w")
        fputs(words.joined(separator: "\n") + "\n", f)
        fclose(f)
        let list = try SortedLineFile(path: dir + "/list")
        for w in words { XCTAssertTrue(try list.contains(w), w) }
        for w in ["w1", "w", "", "zzz", "a", "w20999", "w7\n"] { XCTAssertFalse(try list.contains(w), w) }
        XCTAssertThrowsError(try SortedLineFile(path: dir + "/missing"))
    }
}
