import ArgumentParser
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehousePostgres
import GatehouseStore

/// `gatehousectl store copy`: move a site between back ends without losing
/// a user, a session, a code or the key that names them.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move accounts between the flat-file store and PostgreSQL.",
        subcommands: [Copy.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case flatfile, postgresql
    }

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the server key, users, sessions and codes from one store to the other.",
            discussion: """
            Both are named by the configuration: data_dir for the flat files, postgresql_dsn for the \
            database. Stop the responders first (or accept that what changes during the copy may be \
            missed), copy, set store = to the new one, start them again. The mail outbox and the audit \
            log stay files in data_dir either way. Failure counters are not copied: losing them costs \
            nothing.
            """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The store to read.") var from: Kind
        @Option(help: "The store to write.") var to: Kind

        func validate() throws {
            if from == to { throw ValidationError("--from and --to name the same store") }
        }

        func open(_ kind: Kind, _ config: Config) throws -> AccountStore {
            switch kind {
            case .flatfile: return try FlatFileStore.create(root: config.dataDir, counterTableMiB: config.counterTableMib)
            case .postgresql:
                let database = try StoreFromConfig.database(config)
                try database.migrate()
                return database
            }
        }

        func run() throws {
            let config = try global.loadConfig()
            let counts = try perform { () -> (Int, Int, Int) in
                let source = try open(from, config), target = try open(to, config)
                for name in ServerSecrets.allFiles {
                    if let bytes = try source.loadServerFile(name) { try target.saveServerFile(name, bytes) }
                }
                let users = try source.allUsers()
                let keys = try ServerSecrets.loadKey(from: source)
                for u in users {
                    do { try target.insertUser(u) } catch StoreError.exists { try target.updateUser(u.id) { $0 = u } }
                    guard try target.claim(in: .addresses, Accounts.addressKey(u.email, keys: keys), for: u.id) else {
                        throw ValidationError("\(u.email) is another account's in the target store")
                    }
                    for p in u.passkeys where try !target.claim(in: .passkeys, Accounts.passkeyKey(p.id, keys: keys), for: u.id) {
                        throw ValidationError("passkey \(p.id) of \(u.email) is registered to another account in the target store")
                    }
                }
                let sessions = try source.allSessions()
                for s in sessions {
                    do { try target.insertSession(s) } catch StoreError.exists { try target.updateSession(s.id, durable: true) { $0 = s; return true } }
                }
                let codes = try source.allCodes()
                for c in codes { try target.putCode(c) }
                return (users.count, sessions.count, codes.count)
            }
            Console.out("copied \(counts.0) users, \(counts.1) sessions, \(counts.2) codes and the server key from \(from.rawValue) to \(to.rawValue)")
        }
    }
}
