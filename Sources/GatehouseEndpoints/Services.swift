#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseStore
import Logging

/// Everything a responder process builds once at start-up and reuses for
/// every request.
public struct Services: Sendable {
    public let config: Config
    public let accounts: Accounts
    public let logger: Logger

    public init(config: Config, accounts: Accounts, logger: Logger) {
        self.config = config
        self.accounts = accounts
        self.logger = logger
    }

    /// Reads the configuration and opens the store. Any problem is a
    /// start-up failure with a message naming the key or file; a responder
    /// never starts half-configured and fails at the first request.
    public static func load(logger: Logger, configPath: String? = Config.locate()) throws -> Services {
        let config = try Config.load(path: configPath)
        return try make(config: config, logger: logger)
    }

    public static func make(config: Config, logger: Logger, clock: Clock = SystemClock(),
                            random: RandomSource = SystemRandom()) throws -> Services {
        let store = try FlatFileStore(root: config.dataDir)
        let hasher = Argon2idHasher(opsLimit: UInt64(config.int("argon2_opslimit")),
                                    memLimitKiB: config.int("argon2_memlimit_kib"))
        let keys = try ServerSecrets.loadKey(from: store)
        let dummy = try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random)
        let audit = AuditTrail(log: AppendLog(path: config.auditLogPath), logger: logger)
        let accounts = Accounts(store: store, hasher: hasher, keys: keys, clock: clock, random: random,
                                policy: AccountPolicy(config: config), audit: audit, logger: logger, dummyHash: dummy)
        return Services(config: config, accounts: accounts, logger: logger)
    }
}

extension Logger.Level {
    /// The config's level names (syslog's) onto swift-log's.
    public init(configName: String) {
        switch configName {
        case "debug": self = .debug
        case "notice": self = .notice
        case "warning": self = .warning
        case "error": self = .error
        default: self = .info
        }
    }
}
