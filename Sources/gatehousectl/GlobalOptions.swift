#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import GatehouseApp
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
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
        let config = try loadConfig()
        do {
            return try Accounts.open(config: config, logger: logger(), mail: mail)
        } catch {
            Console.error("\(error)")
            throw Exit.failure
        }
    }

    func maintenance() throws -> StoreMaintenance {
        let config = try loadConfig()
        do {
            return try StoreFromConfig.open(config)
        } catch {
            Console.error("\(error)")
            throw Exit.failure
        }
    }

    func flatStore() throws -> FlatFileStore {
        let config = try loadConfig()
        do {
            return try FlatFileStore(root: config.dataDir, counterTableMiB: config.counterTableMib)
        } catch {
            Console.error("\(error)")
            throw Exit.failure
        }
    }
}
