import GatehouseConfig
import GatehouseCrypto
import GatehouseStore
import Logging

/// A start-up problem, naming the configuration key to fix.
public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

extension Accounts {
    /// Everything the configuration decides, opened and checked now: the
    /// store, the server key, the dummy hash, the blocklists. Any problem
    /// surfaces here, at start-up, never at the first request.
    public static func open(config: Config, logger: Logger, mail: MailSink, clock: Clock = SystemClock(),
                            random: RandomSource = SystemRandom()) throws -> Accounts {
        let store = try FlatFileStore(root: config.dataDir)
        let hasher = Argon2idHasher(opsLimit: UInt64(config.int("argon2_opslimit")),
                                    memLimitKiB: config.int("argon2_memlimit_kib"))
        let blocklists: [PasswordBlocklist] = try ["password_blocklist", "password_blocklist_site"].compactMap { key in
            let path = config.text(key)
            if path.isEmpty { return nil }
            do {
                return try SortedLineFile(path: path)
            } catch {
                throw SetupError(description: "\(key): \(error)")
            }
        }
        return Accounts(store: store, hasher: hasher, keys: try ServerSecrets.loadKey(from: store), clock: clock,
                        random: random, policy: AccountPolicy(config: config),
                        audit: AuditTrail(log: AppendLog(path: config.auditLogPath), logger: logger), logger: logger,
                        dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random),
                        mail: mail, blocklists: blocklists)
    }
}
