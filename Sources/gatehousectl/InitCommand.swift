import ArgumentParser
import GatehouseApp
import GatehouseCore
import GatehouseCrypto
import GatehouseStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create a data directory and its server key (harmless if they exist).")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfig()
        try perform {
            let store = try FlatFileStore.create(root: config.dataDir)
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
    static let configuration = CommandConfiguration(abstract: "Remove expired sessions, codes and stale counters.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let accounts = try global.accounts()
        let store = try global.flatStore()
        let report = try perform {
            let now = accounts.clock.now()
            var users: [String: UserRecord?] = [:]
            return try store.collectGarbage(sessionDead: { s in
                if users[s.userID] == nil { users[s.userID] = .some(try? store.loadUser(s.userID)) }
                return !accounts.isLive(s, user: users[s.userID] ?? nil, now: now)
            }, codeDead: { $0.expires <= now }, counterDead: { c in
                // Back-off counters and hourly windows alike are done with after a day.
                c.until + 3600 <= now && !accounts.policy.throttle.isLive(c, now: now)
            })
        }
        Console.out("removed \(report.sessions) sessions, \(report.codes) codes, \(report.counters) counters")
    }
}

struct Fsck: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every record; with --repair, fix what can be fixed.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Remove stray temporary files, fix modes, set corrupt records aside.") var repair = false

    func run() throws {
        let store = try global.flatStore()
        let (checked, findings) = try perform { try store.fsck(repair: repair) }
        for f in findings { Console.out(f.description) }
        let damage = findings.filter { $0.kind == .corrupt || $0.kind == .misplaced }.filter { !$0.repaired }
        Console.out("checked \(checked) records: \(findings.count) findings, \(damage.count) unrepaired damage")
        if !damage.isEmpty { throw Exit.damaged }
    }
}
