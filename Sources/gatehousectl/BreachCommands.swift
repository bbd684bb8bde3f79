import ArgumentParser
import GatehouseApp
import GatehouseBreach
import GatehouseFiles
import GatehouseSystem

struct Breach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The corpus of breached passwords: import it into the filter every password set is checked against.",
        subcommands: [Import.self, Status.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the filter from the corpus's text form (SHA1-HEX:COUNT lines, any order).",
            discussion: "Memory stays bounded (one shard's keys at a time); the new filter replaces the old by a rename, so running responders switch over without a restart. A line that is not SHA1-HEX:COUNT stops the import, naming it, and changes nothing.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The corpus file.") var file: String

        func run() throws {
            let config = try global.loadConfig()
            let started = Monotonic.nanoseconds()
            let report = try perform { try CorpusImport.run(corpus: file, into: config.breachFilterPath, reserve: config.diskReserve) }
            let seconds = Double(Monotonic.nanoseconds() - started) / 1e9
            Console.out("imported \(report.keys) passwords from \(report.lines) lines into \(config.breachFilterPath): "
                        + "\(report.bytes) bytes (\(format2(Double(report.bytes) / Double(max(report.keys, 1)))) a password), "
                        + "\(report.shards) shards, \(format2(seconds)) s")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether a filter is there and how many passwords it holds.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try global.loadConfig()
            guard let count = try perform({ try BreachFilterReader(path: config.breachFilterPath).keyCount() }) else {
                Console.out("no filter at \(config.breachFilterPath): run gatehousectl breach import")
                throw Exit.notFound
            }
            Console.out("\(count) passwords in \(config.breachFilterPath); breached_passwords = \(config.breachedPasswords.rawValue)")
        }
    }
}

/// Two decimals, without Foundation's formatting.
func format2(_ x: Double) -> String {
    let hundredths = Int((x * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
