import ArgumentParser
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehousePostgres

/// `gatehousectl db migrate|status`: the PostgreSQL schema (store =
/// postgresql), and on either store the index of addresses.
struct Database: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Bring a store up to this release (the schema, the index of addresses), or show the schema's migrations.",
        subcommands: [Migrate.self, Status.self])

    static func connect(_ global: GlobalOptions) throws -> PostgresStore {
        let config = try global.loadConfig()
        switch config.store {
        case .postgresql: break
        case .flatfile:
            Console.error("store is flatfile, not postgresql: there is no database to migrate")
            throw Exit.usage
        }
        return try perform { try StoreFromConfig.database(config) }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply every migration not yet applied, then index every account's address (safe to run again, beside a running site, and from several machines at once).",
            discussion: "Sessions, codes and factors are kept: an account keeps its id. Exit 1 if an address is another account's in the index already.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let config = try global.loadConfig()
            if config.store == .postgresql {
                let store = try Database.connect(global)
                let applied = try perform { try store.migrate() }
                for m in applied { Console.out("applied \(m.version) \(m.name)") }
                Console.out("schema at version \(Migration.all.last?.version ?? 0)")
            }
            // Before `init` there is no server key, and no account to index.
            guard try global.maintenance().loadServerFile(ServerSecrets.keyFile) != nil else {
                Console.out("indexed 0 addresses (not initialised: no accounts yet)")
                return
            }
            let accounts = try global.accounts()
            let report = try perform { try accounts.indexAddresses() }
            Console.out("indexed \(report.indexed) address\(report.indexed == 1 ? "" : "es")")
            for email in report.conflicts { Console.error("\(email): the index gives this address to another account; left as it is") }
            if !report.conflicts.isEmpty { throw Exit.failure }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the migrations, applied or pending; exit 1 when any is pending.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try Database.connect(global)
            let done = Set(try perform { try store.appliedMigrations() })
            for m in Migration.all { Console.out("\(m.version) \(m.name)\t\(done.contains(m.version) ? "applied" : "pending")") }
            if Migration.all.contains(where: { !done.contains($0.version) }) { throw Exit.failure }
        }
    }
}
