import GatehouseConfig
import GatehouseCrypto
import GatehouseBreach
import GatehouseCore
import GatehouseWebAuthn
import GatehouseFiles
import GatehouseStore
import GatehouseSystem
import Logging

extension Accounts {
    /// Everything the configuration decides, opened and checked now: the
    /// store, the server key, the dummy hash, the blocklists. Any problem
    /// surfaces here, at start-up, never at the first request.
    /// `events` hears of account events (EventSpool: the site's hooks).
    package static func open(config: Config, logger: Logger, mail: MailSink, events: (any EventSink)? = nil,
                            clock: Clock = SystemClock(), random: RandomSource = SystemRandom()) throws -> Accounts {
        let store = try StoreFromConfig.open(config)
        let hasher = Argon2idHasher(config: config)
        let lists = [("password_blocklist", config.passwordBlocklist), ("password_blocklist_site", config.passwordBlocklistSite)]
        let blocklists: [PasswordBlocklist] = try lists.compactMap { key, path in
            if path.isEmpty { return nil }
            do {
                return try SortedLineFile(path: path)
            } catch {
                throw SetupError(description: "\(key): \(error)")
            }
        }
        return Accounts(store: store, hasher: hasher, keys: try ServerSecrets.loadKey(from: store), clock: clock,
                        random: random, policy: AccountPolicy(config: config),
                        audit: auditTrail(config, events: events, logger: logger), logger: logger,
                        dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random),
                        mail: mail, blocklists: blocklists, breached: BreachFilterReader(path: config.breachFilterPath))
    }
}

extension Accounts {
    /// The audit log (`audit_log`), written line by line and read back for a person's export.
    static func auditTrail(_ config: Config, events: (any EventSink)?, logger: Logger) -> AuditTrail {
        let log = AppendLog(path: config.auditLogPath, reserve: config.diskReserve)
        return AuditTrail(append: { try log.append($0) }, history: { try log.forEachLine($0) }, events: events, logger: logger)
    }
}

/// The filter file answers the core's question.
extension BreachFilterReader: BreachedPasswords {
    package func contains(sha1Key: UInt64) throws -> Bool? { try contains(sha1Key) }
}

extension AccountPolicy {
    package init(config: Config) {
        self.init(sessionIdle: config.sessionIdleTimeout, sessionAbsolute: config.sessionAbsoluteTimeout,
                  throttle: ThrottlePolicy(freeFailures: config.signinFreeFailures,
                                           baseDelay: config.signinBackoffBase,
                                           maxDelay: config.signinBackoffMax,
                                           lockAfter: config.signinMaxFailures,
                                           clientFailuresPerHour: config.signinFailuresPerHourPerIp),
                  passwordMin: config.passwordMinLength, passwordMax: config.passwordMaxLength,
                  codes: OneTimeCodePolicy(config: config), stepUpWindow: config.changePasswordRequiresOtpWithin,
                  reauthWindow: config.reauthWindow,
                  ipv6PrefixLength: config.ipv6PrefixLength, ipv4WidePrefixLength: config.ipv4WidePrefixLength,
                  ipv6WidePrefixLength: config.ipv6WidePrefixLength, wideNetworkFactor: config.wideNetworkBudgetFactor)
        if !config.webauthnRpId.isEmpty {
            relyingParty = RelyingParty(id: config.webauthnRpId, origins: config.webauthnOrigins)
        }
        siteName = config.siteName
        switch config.signupEnabled {
        case .no: signup = .closed
        case .yes: signup = .open
        case .invitation: signup = .invitation
        }
        deletionGrace = config.deletionGrace
        switch config.breachedPasswords {
        case .refuse: breachedPasswords = .refuse
        case .warn: breachedPasswords = .warn
        case .off: breachedPasswords = .off
        }
        promptBreachedAtSignIn = config.breachedPasswordSignin
        newDeviceNotice = config.newDeviceNotice
        // The Host header never makes a link: the public origin, or the path alone.
        notMePage = config.publicOrigin + config.prefix + "/sessions/not-me"
        restorePage = config.publicOrigin + config.prefix + "/delete-account/restore"
    }
}

extension OneTimeCodePolicy {
    package init(config: Config) {
        self.init()
        length = config.otpLength
        lifetime = config.otpLifetime
        maxTries = config.otpMaxTries
        maxFailuresPerHour = config.otpMaxFailuresPerHour
        verifyFailuresPerHourPerClient = config.otpVerifyFailuresPerHourPerIp
        cooldown = config.otpSendCooldown
        perAddressPerHour = config.otpSendsPerHourPerAddress
        perIPPerHour = config.otpSendsPerHourPerIp
        sitePerHour = config.otpSendsPerHourSite
        switch config.otpSiteCap {
        case .alarm: siteCapRefuses = false
        case .refuse: siteCapRefuses = true
        }
        unknownAddress404 = config.otpUnknownAddress404
        loginEnabled = config.otpLoginEnabled
        resetGrantLifetime = config.resetGrantLifetime
    }
}

extension Argon2idHasher {
    /// At the configured cost (argon2_opslimit, argon2_memlimit_kib).
    package init(config: Config) {
        self.init(opsLimit: UInt64(config.argon2Opslimit), memLimitKiB: config.argon2MemlimitKib)
    }
}

/// The shipped and the site's blocklists are sorted files, looked up in place.
extension SortedLineFile: PasswordBlocklist {}
