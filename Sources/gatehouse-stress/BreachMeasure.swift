#if canImport(Glibc)
import Glibc
#endif
import GatehouseBreach
import GatehouseSystem

/// `gatehouse-stress breach FILTER N`: N lookups of random keys (as good
/// as never in the corpus) against an imported filter, for make bench: the
/// time a lookup takes through the reader a responder uses (its stat
/// included), and the false-positive rate measured.
func measureBreachFilter(path: String, samples: Int) -> Never {
    let reader = BreachFilterReader(path: path)
    var seeds = SeedSequence(UInt64.random(in: .min ... .max))
    var positives = 0
    do {
        guard let count = try reader.keyCount() else { die("no filter at \(path)") }
        let started = Monotonic.nanoseconds()
        for _ in 0..<samples where try reader.contains(seeds.next()) == true { positives += 1 }
        let elapsed = Monotonic.nanoseconds() - started
        var st = stat()
        stat(path, &st)
        print("breach filter: \(count) passwords, \(st.st_size) bytes, \(Double(st.st_size) / Double(max(count, 1))) bytes a password")
        print("breach filter: \(samples) lookups, \(Double(elapsed) / Double(max(samples, 1))) ns each; "
              + "\(positives) false positives, 1 in \(positives == 0 ? "more than \(samples)" : String(samples / positives)) "
              + "(2^-16 is 1 in 65536)")
    } catch {
        die("\(error)")
    }
    exit(0)
}
