import ArgumentParser
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehousePostgres

/// `gatehousectl db migrate|status`: the PostgreSQL schema (store = postgresql).
struct Database: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "The PostgreSQL schema: apply migrations, or show which are applied.",
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
        static let configuration = CommandConfiguration(abstract: "Apply every migration not yet applied (safe to run again, and from several machines at once).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let store = try Database.connect(global)
            let applied = try perform { try store.migrate() }
            for m in applied { Console.out("applied \(m.version) \(m.name)") }
            Console.out("schema at version \(Migration.all.last?.version ?? 0)")
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
