import ArgumentParser
import GatehouseApp
import GatehouseCore
import GatehouseCrypto
import GatehousePostgres
import GatehouseStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a data directory and its server key (harmless if they exist); with store = postgresql, also migrate the schema.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfig()
        try perform {
            // The data directory holds the outbox and the audit log whatever the store.
            let files = try FlatFileStore.create(root: config.dataDir)
            let store: AccountStore
            switch config.store {
            case .postgresql:
                let database = try StoreFromConfig.database(config)
                try database.migrate()
                store = database
            case .flatfile:
                store = files
            }
            let random = SystemRandom()
            let created = try ServerSecrets.createKeyIfMissing(in: store, random: random)
            let hasher = Argon2idHasher(config: config)
            _ = try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random)
            Console.out("\(config.dataDir): \(created ? "initialised" : "already initialised")")
        }
    }
}

struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the Argon2id hash of a password read from standard input or a prompt.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfig()
        let password = PasswordText(try Console.readPassword(confirm: true))
        let hasher = Argon2idHasher(config: config)
        Console.out(try perform { try hasher.hash(password.normalized) })
    }
}

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete accounts whose grace is over; remove expired sessions, codes and stale counters.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let accounts = try global.accounts()
        let report = try perform { try accounts.collectGarbage(in: try global.maintenance()) }
        Console.out("removed \(report.sessions) sessions, \(report.codes) codes, \(report.counters) counters; deleted \(report.accounts) accounts")
    }
}

struct Fsck: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every record; with --repair, fix what can be fixed.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Remove stray temporary files, fix modes, set corrupt records aside.") var repair = false

    func run() throws {
        let config = try global.loadConfig()
        switch config.store {
        case .flatfile: break
        case .postgresql:
            let database = try Database.connect(global)
            let (checked, problems) = try perform { try database.check() }
            for p in problems { Console.out("corrupt \(p)") }
            Console.out("checked \(checked) rows: \(problems.count) findings, \(problems.count) unrepaired damage")
            if !problems.isEmpty { throw Exit.damaged }
            return
        }
        let store = try global.flatStore()
        let (checked, findings) = try perform { try store.fsck(repair: repair) }
        for f in findings { Console.out(f.description) }
        let damage = findings.filter { $0.kind == .corrupt || $0.kind == .misplaced }.filter { !$0.repaired }
        Console.out("checked \(checked) records: \(findings.count) findings, \(damage.count) unrepaired damage")
        if !damage.isEmpty { throw Exit.damaged }
    }
}
