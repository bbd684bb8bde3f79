#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// A bad configuration, naming the key (and line) so the message at start-up
/// says exactly what to fix.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let key: String
    public let reason: String

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
    }
}

/// The parsed `gatehouse.conf`: every key of `Settings.all`, defaults filled
/// in, read and validated once at start-up into typed properties (named
/// after the keys). Key strings never leave this module.
public struct Config: Sendable {
    public let source: String
    public let dataDir: String
    public let store: String
    public let postgresqlDsn: String
    public let postgresqlPasswordFile: String
    public let postgresqlTls: String
    public let prefix: String
    public let maxBodyBytes: Int
    public let argon2MemlimitKib: Int
    public let argon2Opslimit: Int
    public let passwordMinLength: Int
    public let passwordMaxLength: Int
    public let sessionIdleTimeout: Int
    public let sessionAbsoluteTimeout: Int
    public let signinFreeFailures: Int
    public let signinBackoffBase: Int
    public let signinBackoffMax: Int
    public let signinMaxFailures: Int
    public let signinFailuresPerHourPerIp: Int
    public let ipv6PrefixLength: Int
    public let ipv4WidePrefixLength: Int
    public let ipv6WidePrefixLength: Int
    public let wideNetworkBudgetFactor: Int
    public let trustedProxies: [String]
    public let cookieName: String
    public let cookieDomain: String
    public let signinRedirect: String
    public let allowedRedirectHosts: [String]
    public let allowedOrigins: [String]
    public let publicOrigin: String
    public let defaultLocale: String
    public let counterTableMib: Int
    public let dataDirReserveMiB: Int
    public let dataDirReserveInodes: Int
    public let logLevel: String
    public let auditLogSetting: String
    public let passwordBlocklist: String
    public let passwordBlocklistSite: String
    public let changePasswordRequiresOtpWithin: Int
    public let otpLength: Int
    public let otpLifetime: Int
    public let otpMaxTries: Int
    public let otpMaxFailuresPerHour: Int
    public let otpVerifyFailuresPerHourPerIp: Int
    public let otpSendCooldown: Int
    public let otpSendsPerHourPerAddress: Int
    public let otpSendsPerHourPerIp: Int
    public let otpSendsPerHourSite: Int
    public let otpSiteCap: String
    public let otpUnknownAddress404: Bool
    public let otpLoginEnabled: Bool
    public let resetGrantLifetime: Int
    public let templatesDir: String
    public let siteName: String
    public let mailFrom: String
    public let mailTransport: String
    public let maildirSetting: String
    public let sendmailCommand: String
    public let smtpUrl: String
    public let smtpStarttls: String
    public let smtpUsername: String
    public let smtpPasswordFile: String
    public let mailTimeout: Int
    public let mailMaxAttempts: Int

    init(source: String, values: [String: ConfigValue]) {
        self.source = source
        dataDir = values.text("data_dir")
        store = values.text("store")
        postgresqlDsn = values.text("postgresql_dsn")
        postgresqlPasswordFile = values.text("postgresql_password_file")
        postgresqlTls = values.text("postgresql_tls")
        prefix = values.text("prefix")
        maxBodyBytes = values.int("max_body_bytes")
        argon2MemlimitKib = values.int("argon2_memlimit_kib")
        argon2Opslimit = values.int("argon2_opslimit")
        passwordMinLength = values.int("password_min_length")
        passwordMaxLength = values.int("password_max_length")
        sessionIdleTimeout = values.int("session_idle_timeout")
        sessionAbsoluteTimeout = values.int("session_absolute_timeout")
        signinFreeFailures = values.int("signin_free_failures")
        signinBackoffBase = values.int("signin_backoff_base")
        signinBackoffMax = values.int("signin_backoff_max")
        signinMaxFailures = values.int("signin_max_failures")
        signinFailuresPerHourPerIp = values.int("signin_failures_per_hour_per_ip")
        ipv6PrefixLength = values.int("ipv6_prefix_length")
        ipv4WidePrefixLength = values.int("ipv4_wide_prefix_length")
        ipv6WidePrefixLength = values.int("ipv6_wide_prefix_length")
        wideNetworkBudgetFactor = values.int("wide_network_budget_factor")
        trustedProxies = values.list("trusted_proxies")
        cookieName = values.text("cookie_name")
        cookieDomain = values.text("cookie_domain")
        signinRedirect = values.text("signin_redirect")
        allowedRedirectHosts = values.list("allowed_redirect_hosts")
        allowedOrigins = values.list("allowed_origins")
        publicOrigin = values.text("public_origin")
        defaultLocale = values.text("default_locale")
        counterTableMib = values.int("counter_table_mib")
        dataDirReserveMiB = values.int("data_dir_reserve_mib")
        dataDirReserveInodes = values.int("data_dir_reserve_inodes")
        logLevel = values.text("log_level")
        auditLogSetting = values.text("audit_log")
        passwordBlocklist = values.text("password_blocklist")
        passwordBlocklistSite = values.text("password_blocklist_site")
        changePasswordRequiresOtpWithin = values.int("change_password_requires_otp_within")
        otpLength = values.int("otp_length")
        otpLifetime = values.int("otp_lifetime")
        otpMaxTries = values.int("otp_max_tries")
        otpMaxFailuresPerHour = values.int("otp_max_failures_per_hour")
        otpVerifyFailuresPerHourPerIp = values.int("otp_verify_failures_per_hour_per_ip")
        otpSendCooldown = values.int("otp_send_cooldown")
        otpSendsPerHourPerAddress = values.int("otp_sends_per_hour_per_address")
        otpSendsPerHourPerIp = values.int("otp_sends_per_hour_per_ip")
        otpSendsPerHourSite = values.int("otp_sends_per_hour_site")
        otpSiteCap = values.text("otp_site_cap")
        otpUnknownAddress404 = values.flag("otp_unknown_address_404")
        otpLoginEnabled = values.flag("otp_login_enabled")
        resetGrantLifetime = values.int("reset_grant_lifetime")
        templatesDir = values.text("templates_dir")
        siteName = values.text("site_name")
        mailFrom = values.text("mail_from")
        mailTransport = values.text("mail_transport")
        maildirSetting = values.text("maildir")
        sendmailCommand = values.text("sendmail_command")
        smtpUrl = values.text("smtp_url")
        smtpStarttls = values.text("smtp_starttls")
        smtpUsername = values.text("smtp_username")
        smtpPasswordFile = values.text("smtp_password_file")
        mailTimeout = values.int("mail_timeout")
        mailMaxAttempts = values.int("mail_max_attempts")
    }

    /// Pure: the text of a config file in, a config or the first error out.
    /// Format: `key = value` lines; `#` starts a comment line.
    public static func parse(_ text: String, source: String = "gatehouse.conf",
                             overrides: [String: String] = [:]) throws(ConfigError) -> Config {
        var raw: [String: (String, Int)] = [:]
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ConfigError(file: source, line: n + 1, key: "", reason: "expected `key = value`")
            }
            let key = trimmed[..<eq].trimmingSpaces
            let value = trimmed[trimmed.index(after: eq)...].trimmingSpaces
            guard Settings.named(key) != nil else {
                throw ConfigError(file: source, line: n + 1, key: key, reason: "unknown key")
            }
            guard raw[key] == nil else {
                throw ConfigError(file: source, line: n + 1, key: key, reason: "given twice")
            }
            raw[key] = (value, n + 1)
        }
        for (k, v) in overrides { raw[k] = (v, 0) }
        var values: [String: ConfigValue] = [:]
        for setting in Settings.all {
            let (text, line) = raw[setting.key] ?? (setting.defaultValue, 0)
            switch setting.parse(text) {
            case .success(let v): values[setting.key] = v
            case .failure(let p): throw ConfigError(file: source, line: line, key: setting.key, reason: p.reason)
            }
        }
        let config = Config(source: source, values: values)
        if config.passwordMaxLength < config.passwordMinLength {
            throw ConfigError(file: source, line: raw["password_max_length"]?.1 ?? 0, key: "password_max_length",
                              reason: "must not be less than password_min_length")
        }
        if config.store == "postgresql" && config.postgresqlDsn.isEmpty {
            throw ConfigError(file: source, line: raw["store"]?.1 ?? 0, key: "postgresql_dsn",
                              reason: "store = postgresql needs a connection string")
        }
        if config.ipv6WidePrefixLength > config.ipv6PrefixLength {
            throw ConfigError(file: source, line: raw["ipv6_wide_prefix_length"]?.1 ?? 0, key: "ipv6_wide_prefix_length",
                              reason: "must not be longer than ipv6_prefix_length (the wider network holds the narrower)")
        }
        if config.sessionAbsoluteTimeout < config.sessionIdleTimeout {
            throw ConfigError(file: source, line: raw["session_absolute_timeout"]?.1 ?? 0, key: "session_absolute_timeout",
                              reason: "must not be less than session_idle_timeout")
        }
        return config
    }

    /// Finds the file without relying on the environment (suEXEC strips it):
    /// GATEHOUSE_CONFIG if set, then gatehouse.conf beside the executable,
    /// then /etc/gatehouse/gatehouse.conf; no file at all means defaults.
    public static func locate(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } },
                              executableDirectory: String? = Config.executableDirectory()) -> String? {
        if let explicit = environment("GATEHOUSE_CONFIG"), !explicit.isEmpty { return explicit }
        if let dir = executableDirectory, access(dir + "/gatehouse.conf", R_OK) == 0 { return dir + "/gatehouse.conf" }
        if access("/etc/gatehouse/gatehouse.conf", R_OK) == 0 { return "/etc/gatehouse/gatehouse.conf" }
        return nil
    }

    /// `dataDir` overrides `data_dir` (gatehousectl's --data-dir).
    public static func load(path: String?, dataDir: String? = nil) throws(ConfigError) -> Config {
        let overrides = dataDir.map { ["data_dir": $0] } ?? [:]
        guard let path else { return try parse("", source: "(defaults)", overrides: overrides) }
        let text: String
        do {
            text = try TextFile.read(path)
        } catch {
            throw ConfigError(file: path, line: 0, key: "", reason: "cannot read it: \(error)")
        }
        return try parse(text, source: path, overrides: overrides)
    }

    public static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// The Maildir for `mail_transport = maildir`.
    public var maildir: String { maildirSetting.isEmpty ? dataDir + "/maildir" : maildirSetting }
    public var auditLogPath: String { auditLogSetting.isEmpty ? dataDir + "/audit.log" : auditLogSetting }
}

extension [String: ConfigValue] {
    // Only `Settings.all` keys reach here, each parsed by its own kind of
    // validator, so a mismatch is a bug in this module, caught by any test.
    func int(_ key: String) -> Int {
        guard case .int(let n)? = self[key] else { preconditionFailure("\(key) is not an integer setting") }
        return n
    }

    func text(_ key: String) -> String {
        guard case .text(let s)? = self[key] else { preconditionFailure("\(key) is not a text setting") }
        return s
    }

    func list(_ key: String) -> [String] {
        guard case .list(let l)? = self[key] else { preconditionFailure("\(key) is not a list setting") }
        return l
    }

    func flag(_ key: String) -> Bool {
        guard case .flag(let b)? = self[key] else { preconditionFailure("\(key) is not a yes/no setting") }
        return b
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
