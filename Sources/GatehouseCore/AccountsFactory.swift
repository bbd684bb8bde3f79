import GatehouseConfig
import GatehouseCrypto
import GatehouseStore
import Logging

extension Accounts {
    /// Everything the configuration decides, opened and checked now: the
    /// store, the server key, the dummy hash, the blocklists. Any problem
    /// surfaces here, at start-up, never at the first request.
    public static func open(config: Config, logger: Logger, mail: MailSink, clock: Clock = SystemClock(),
                            random: RandomSource = SystemRandom()) throws -> Accounts {
        let store = try FlatFileStore(root: config.dataDir)
        let hasher = Argon2idHasher(opsLimit: UInt64(config.int("argon2_opslimit")),
                                    memLimitKiB: config.int("argon2_memlimit_kib"))
        let blocklists: [PasswordBlocklist] = try ["password_blocklist", "password_blocklist_site"]
            .map { config.text($0) }.filter { !$0.isEmpty }.map { try SortedLineFile(path: $0) }
        return Accounts(store: store, hasher: hasher, keys: try ServerSecrets.loadKey(from: store), clock: clock,
                        random: random, policy: AccountPolicy(config: config),
                        audit: AuditTrail(log: AppendLog(path: config.auditLogPath), logger: logger), logger: logger,
                        dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random),
                        mail: mail, blocklists: blocklists)
    }
}
