import GatehouseConfig
import GatehouseCrypto
import GatehouseCore
import GatehouseStore
import GatehouseSystem
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
                        audit: AuditTrail(append: { [log = AppendLog(path: config.auditLogPath)] in try log.append($0) }, logger: logger), logger: logger,
                        dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random),
                        mail: mail, blocklists: blocklists)
    }
}

extension AccountPolicy {
    public init(config: Config) {
        self.init(sessionIdle: config.sessionIdleTimeout, sessionAbsolute: config.sessionAbsoluteTimeout,
                  throttle: ThrottlePolicy(freeFailures: config.int("signin_free_failures"),
                                           baseDelay: config.int("signin_backoff_base"),
                                           maxDelay: config.int("signin_backoff_max"),
                                           lockAfter: config.int("signin_max_failures"),
                                           clientFailuresPerHour: config.int("signin_failures_per_hour_per_ip")),
                  passwordMin: config.passwordMinLength, passwordMax: config.passwordMaxLength,
                  codes: OneTimeCodePolicy(config: config), stepUpWindow: config.int("change_password_requires_otp_within"),
                  ipv6PrefixLength: config.int("ipv6_prefix_length"))
    }
}

extension OneTimeCodePolicy {
    public init(config: Config) {
        self.init()
        length = config.int("otp_length")
        lifetime = config.int("otp_lifetime")
        maxTries = config.int("otp_max_tries")
        maxFailuresPerHour = config.int("otp_max_failures_per_hour")
        verifyFailuresPerHourPerClient = config.int("otp_verify_failures_per_hour_per_ip")
        cooldown = config.int("otp_send_cooldown")
        perAddressPerHour = config.int("otp_sends_per_hour_per_address")
        perIPPerHour = config.int("otp_sends_per_hour_per_ip")
        sitePerHour = config.int("otp_sends_per_hour_site")
        unknownAddress404 = config.flag("otp_unknown_address_404")
        loginEnabled = config.flag("otp_login_enabled")
        resetGrantLifetime = config.int("reset_grant_lifetime")
    }
}
