#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseBreach
import GatehouseFiles
import GatehouseSystem
import TestSupport
import XCTest

/// The filter: no false negatives, false positives near 2^-16, about 2.25
/// bytes a key; the file: written whole, read back, damage refused, a new
/// one picked up by a reader already open.
final class BreachFilterTests: XCTestCase {
    func keys(_ n: Int, _ seed: UInt64) -> [UInt64] {
        var s = SeedSequence(seed)
        return (0..<n).map { _ in s.next() }
    }

    func testEveryKeyIsFoundAndFewOthersAre() throws {
        for n in [0, 1, 2, 3, 100, 10_000, 200_000] {
            var seeds = SeedSequence(7)
            let set = keys(n, 1)
            let built = try XCTUnwrap(BinaryFuseFilter.build(set, seeds: &seeds), "\(n)")
            let (layout, fingerprints) = (built.layout, built.fingerprints)
            for k in set { XCTAssertTrue(BinaryFuseFilter.contains(k, layout: layout) { fingerprints[Int($0)] }, "\(n)") }
            guard n == 200_000 else { continue }
            let others = keys(1_000_000, 2)
            let positives = others.filter { BinaryFuseFilter.contains($0, layout: layout) { fingerprints[Int($0)] } }.count
            XCTAssertLessThan(positives, 40, "about 1e6 / 65536 = 15")
            XCTAssertLessThan(Double(fingerprints.count * 2) / Double(n), 2.5, "bytes per key")
        }
    }

    func testRepeatedKeysCountOnce() throws {
        var seeds = SeedSequence(3)
        let built = try XCTUnwrap(BinaryFuseFilter.build([5, 5, 5, 9], seeds: &seeds))
        let (layout, fingerprints) = (built.layout, built.fingerprints)
        XCTAssertTrue(BinaryFuseFilter.contains(5, layout: layout) { fingerprints[Int($0)] })
        XCTAssertTrue(BinaryFuseFilter.contains(9, layout: layout) { fingerprints[Int($0)] })
    }

    func corpus(_ hashes: [String]) throws -> String {
        let path = TestFiles.temporaryDirectory("breach") + "/corpus.txt"
        try TestFiles.write(path, hashes.map { $0 + ":3\r\n" }.joined())
        return path
    }

    func hex(_ key: UInt64) -> String { String(repeating: "0", count: 16 - String(key, radix: 16).count) + String(key, radix: 16, uppercase: true) }

    func testImportReadAndSwitchOver() throws {
        let first = keys(5000, 11).map { hex($0) + "0123456789ABCDEF01234567" }
        let input = try corpus(first)
        let output = Posix.dirname(of: input) + "/breached.filter"
        let report = try CorpusImport.run(corpus: input, into: output, seed: 1)
        XCTAssertEqual(report.lines, 5000)
        XCTAssertEqual(report.keys, 5000)
        let reader = BreachFilterReader(path: output)
        for k in keys(5000, 11) { XCTAssertEqual(try reader.contains(k), true) }
        XCTAssertEqual(try reader.keyCount(), 5000)
        // A new import replaces the file; the open reader maps the new one.
        _ = try CorpusImport.run(corpus: try corpus(keys(10, 12).map { hex($0) + String(repeating: "A", count: 24) }), into: output, seed: 2)
        XCTAssertEqual(try reader.keyCount(), 10)
        for k in keys(10, 12) { XCTAssertEqual(try reader.contains(k), true) }
    }

    func testABadLineStopsTheImportAndReplacesNothing() throws {
        let input = try corpus([String(repeating: "A", count: 40), "not a hash", String(repeating: "B", count: 40)])
        let output = Posix.dirname(of: input) + "/breached.filter"
        XCTAssertThrowsError(try CorpusImport.run(corpus: input, into: output)) { error in
            XCTAssertEqual((error as? CorpusImport.BadLine)?.line, 2)
        }
        XCTAssertFalse(Posix.exists(output))
        XCTAssertEqual(Posix.list(Posix.dirname(of: input)).sorted(), ["corpus.txt"], "no temporary left")
        XCTAssertNil(try BreachFilterReader(path: output).contains(1), "no filter: no answer")
    }

    func testADamagedFileIsRefused() throws {
        let input = try corpus(keys(100, 4).map { hex($0) + String(repeating: "C", count: 24) })
        let output = Posix.dirname(of: input) + "/breached.filter"
        _ = try CorpusImport.run(corpus: input, into: output)
        let reader = BreachFilterReader(path: output)
        let known = keys(100, 4)[0]
        XCTAssertEqual(try reader.contains(known), true)
        // A damaged file put in its place (by a rename, as it must be) is
        // not used: the last good one goes on answering, and status says why.
        let damaged = output + ".damaged"
        XCTAssertEqual(Glibc.link(output, damaged), 0)
        let copy = try TestFiles.read(output)
        try TestFiles.write(damaged + "2", String(decoding: copy.prefix(200), as: UTF8.self))
        try Posix.rename(damaged + "2", output)
        XCTAssertEqual(try reader.contains(known), true)
        XCTAssertThrowsError(try reader.keyCount())
        // A reader that never had a good one has no answer.
        XCTAssertNil(try BreachFilterReader(path: output).contains(known))
        XCTAssertThrowsError(try BreachFilterReader(path: output).keyCount())
    }

    func testManyShardsAndWhatIsRefused() throws {
        let set = keys(20_000, 21)
        let input = try corpus(set.map { hex($0) + String(repeating: "D", count: 24) })
        let output = Posix.dirname(of: input) + "/breached.filter"
        let report = try CorpusImport.run(corpus: input, into: output, shardBits: 3)
        XCTAssertEqual(report.shards, 8)
        let reader = BreachFilterReader(path: output)
        for k in set { XCTAssertEqual(try reader.contains(k), true) }
        try TestFiles.write(input, "")
        XCTAssertThrowsError(try CorpusImport.run(corpus: input, into: output), "an empty corpus never replaces a filter")
        XCTAssertThrowsError(try CorpusImport.run(corpus: Posix.dirname(of: input), into: output), "a directory is no corpus")
        XCTAssertEqual(try reader.keyCount(), 20_000)
    }

    /// A corpus of blank lines is no corpus (it would have replaced a good
    /// filter with an empty one), and a line with no end stops the import
    /// at once instead of growing in memory.
    func testBlankLinesReplaceNothingAndAnEndlessLineStops() throws {
        let input = try corpus(keys(100, 41).map { hex($0) + String(repeating: "F", count: 24) })
        let output = Posix.dirname(of: input) + "/breached.filter"
        _ = try CorpusImport.run(corpus: input, into: output)
        try TestFiles.write(input, "\n\n\r\n")
        XCTAssertThrowsError(try CorpusImport.run(corpus: input, into: output))
        XCTAssertEqual(try BreachFilterReader(path: output).keyCount(), 100)
        try TestFiles.write(input, String(repeating: "A", count: 3 << 20))
        XCTAssertThrowsError(try CorpusImport.run(corpus: input, into: output)) { error in
            XCTAssertEqual((error as? CorpusImport.BadLine)?.line, 1)
        }
        XCTAssertEqual(Directory.names(Posix.dirname(of: input)).filter { $0.contains(".import-") || $0.contains(".tmp-") }, [])
    }

    /// An import killed midway leaves its work directory and temporary
    /// filter; the next import removes them (and nothing of a live one),
    /// and an import that would eat into the disk reserve does not start.
    func testAbandonedWorkIsSweptAndTheReserveIsKept() throws {
        let input = try corpus(keys(1000, 31).map { hex($0) + String(repeating: "E", count: 24) })
        let output = Posix.dirname(of: input) + "/breached.filter"
        _ = try CorpusImport.run(corpus: input, into: output)
        // A PID that no process has (above pid_max), and a live one (not
        // this process's: the import works in that one).
        let dead = output + ".import-4194999", live = output + ".import-\(getppid())"
        for dir in [dead, live] {
            try Posix.makeDirectories(dir)
            try TestFiles.write(dir + "/0", "12345678")
        }
        try TestFiles.write(output + AtomicFile.tempMarker + "4194999-abc", "half a filter")
        _ = try CorpusImport.run(corpus: input, into: output)
        XCTAssertFalse(Posix.exists(dead))
        XCTAssertFalse(Posix.exists(output + AtomicFile.tempMarker + "4194999-abc"))
        XCTAssertTrue(Posix.exists(live + "/0"))
        let before = try TestFiles.read(output)
        XCTAssertThrowsError(try CorpusImport.run(corpus: input, into: output, reserve: DiskReserve(bytes: UInt64(1) << 60))) { error in
            XCTAssertTrue("\(error)".contains("data_dir_reserve_mib"), "\(error)")
        }
        XCTAssertEqual(try TestFiles.read(output), before, "the filter is unchanged")
    }

    /// A shard with no segment at all: its third slot would lie past the
    /// array (found by the fuzzer; the seed is Tests/Fuzz/corpus/breach-filter/no-segments).
    func testAShardWithoutSegmentsIsRefused() {
        var bytes = BreachFilterFile.header(bits: 0, keys: 1)
        bytes += BreachFilterFile.entry(BinaryFuseFilter.Layout(seed: 1, segmentLength: 16, segmentCountLength: 0, arrayLength: 32),
                                        offset: 64)
        bytes += [UInt8](repeating: 0, count: 64)
        XCTAssertThrowsError(try BreachFilterReader.lookUp([1, 2, 3], inFilterBytes: bytes))
    }

    func testSizesNeverHaveLessThanOneSegment() {
        for n in [0, 1, 2, 3, 10, 1000] { XCTAssertTrue(BinaryFuseFilter.Layout(keys: n, seed: 0).isSound, "\(n)") }
    }
}
