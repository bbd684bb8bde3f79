#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseEvents
import GatehouseStore
import GatehouseSystem
import Logging

struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: GATEHOUSE_CONFIG, then gatehouse.conf beside the executable, then /etc/gatehouse/gatehouse.conf).")
    var config: String?

    @Option(name: .long, help: "Data directory, overriding data_dir from the configuration.")
    var dataDir: String?

    func loadConfig() throws -> Config {
        let loaded: Config
        do {
            loaded = try Config.load(path: config ?? Config.locate(), dataDir: dataDir)
        } catch {
            Console.error("configuration: \(error)")
            throw Exit.config
        }
        try DataDirectoryOwner.become(of: loaded.dataDir)
        return loaded
    }

    func logger() -> Logger {
        Logger(label: "gatehousectl") { _ in StderrLogHandler() }
    }

    func accounts(mail: MailSink = NoMail()) throws -> Accounts {
        try opening { config in
            // What an administrator does (user add, del, lock; gc's purges)
            // is an account event too, handed to one detached run as this
            // program exits.
            let events = EventSpool(config: config, logger: logger())
            guard events.isActive else { return try Accounts.open(config: config, logger: logger(), mail: mail) }
            eventsToHandOff = events
            atexit(handOffEventsAtExit)
            return try Accounts.open(config: config, logger: logger(), mail: mail, events: events)
        }
    }

    func maintenance() throws -> AccountStore & StoreMaintenance {
        try opening { try StoreFromConfig.open($0) }
    }

    func flatStore() throws -> FlatFileStore {
        try opening { try FlatFileStore(root: $0.dataDir, counterTableMiB: $0.counterTableMib) }
    }

    /// What the configuration opens; a failure is said on stderr with the
    /// exit code `perform` gives it.
    private func opening<T>(_ open: (Config) throws -> T) throws -> T {
        let config = try loadConfig()
        return try perform { try open(config) }
    }
}

/// The events this run of gatehousectl spooled, for `handOffEventsAtExit`
/// (ArgumentParser ends every command with exit(3), so that is where).
nonisolated(unsafe) var eventsToHandOff: EventSpool?

func handOffEventsAtExit() {
    eventsToHandOff?.handOffQueued()
}
