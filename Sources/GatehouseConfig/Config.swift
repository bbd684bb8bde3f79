#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem

/// A bad configuration, naming the key (and line) so the message at start-up
/// says exactly what to fix.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    package let file: String
    package let line: Int
    package let key: String
    package let reason: String

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(reason)" : "\(place): \(key): \(reason)"
    }
}

/// The parsed `gatehouse.conf`: one typed field per key of `Settings.all`,
/// each set by its row of that table (the default, or the file's value), read
/// and validated once at start-up. The values written here are placeholders
/// that parsing always replaces; key strings never leave this module.
public struct Config: Sendable {
    package let source: String
    package internal(set) var dataDir: String = ""
    package internal(set) var store = StoreKind.allCases[0]
    package internal(set) var postgresqlDsn: String = ""
    package internal(set) var postgresqlPasswordFile: String = ""
    package internal(set) var postgresqlTls = DatabaseTLS.allCases[0]
    package internal(set) var prefix: String = ""
    package internal(set) var maxBodyBytes: Int = 0
    package internal(set) var argon2MemlimitKib: Int = 0
    package internal(set) var argon2Opslimit: Int = 0
    package internal(set) var passwordMinLength: Int = 0
    package internal(set) var passwordMaxLength: Int = 0
    package internal(set) var sessionIdleTimeout: Int = 0
    package internal(set) var sessionAbsoluteTimeout: Int = 0
    package internal(set) var signinFreeFailures: Int = 0
    package internal(set) var signinBackoffBase: Int = 0
    package internal(set) var signinBackoffMax: Int = 0
    package internal(set) var signinMaxFailures: Int = 0
    package internal(set) var signinFailuresPerHourPerIp: Int = 0
    package internal(set) var ipv6PrefixLength: Int = 0
    package internal(set) var ipv4WidePrefixLength: Int = 0
    package internal(set) var ipv6WidePrefixLength: Int = 0
    package internal(set) var wideNetworkBudgetFactor: Int = 0
    package internal(set) var trustedProxies: [String] = []
    package internal(set) var cookieName: String = ""
    package internal(set) var cookieDomain: String = ""
    package internal(set) var signinRedirect: String = ""
    package internal(set) var allowedRedirectHosts: [String] = []
    package internal(set) var allowedOrigins: [String] = []
    package internal(set) var publicOrigin: String = ""
    package internal(set) var defaultLocale: String = ""
    package internal(set) var counterTableMib: Int = 0
    package internal(set) var dataDirReserveMiB: Int = 0
    package internal(set) var dataDirReserveInodes: Int = 0
    package internal(set) var logLevel = LogLevel.allCases[0]
    package internal(set) var auditLogSetting: String = ""
    package internal(set) var passwordBlocklist: String = ""
    package internal(set) var passwordBlocklistSite: String = ""
    package internal(set) var changePasswordRequiresOtpWithin: Int = 0
    package internal(set) var reauthWindow: Int = 600
    package internal(set) var webauthnRpId: String = ""
    package internal(set) var webauthnOrigins: [String] = []
    package internal(set) var otpLength: Int = 0
    package internal(set) var otpLifetime: Int = 0
    package internal(set) var otpMaxTries: Int = 0
    package internal(set) var otpMaxFailuresPerHour: Int = 0
    package internal(set) var otpVerifyFailuresPerHourPerIp: Int = 0
    package internal(set) var otpSendCooldown: Int = 0
    package internal(set) var otpSendsPerHourPerAddress: Int = 0
    package internal(set) var otpSendsPerHourPerIp: Int = 0
    package internal(set) var otpSendsPerHourSite: Int = 0
    package internal(set) var otpSiteCap = SiteCapAction.allCases[0]
    package internal(set) var otpUnknownAddress404: Bool = false
    package internal(set) var otpLoginEnabled: Bool = false
    package internal(set) var signupEnabled = SignupSetting.allCases[0]
    package internal(set) var deletionGrace: Int = 0
    package internal(set) var newDeviceNotice: Bool = true
    package internal(set) var breachedPasswords = BreachCheck.allCases[0]
    package internal(set) var breachFilterSetting: String = ""
    package internal(set) var breachedPasswordSignin: Bool = false
    package internal(set) var resetGrantLifetime: Int = 0
    package internal(set) var templatesDir: String = ""
    package internal(set) var siteName: String = ""
    package internal(set) var mailFrom: String = ""
    package internal(set) var mailTransport = MailTransportKind.allCases[0]
    package internal(set) var maildirSetting: String = ""
    package internal(set) var sendmailCommand: String = ""
    package internal(set) var smtpUrl: String = ""
    package internal(set) var smtpStarttls = StartTLS.allCases[0]
    package internal(set) var smtpUsername: String = ""
    package internal(set) var smtpPasswordFile: String = ""
    package internal(set) var mailTimeout: Int = 0
    package internal(set) var mailMaxAttempts: Int = 0
    package internal(set) var hookExec: [String] = []
    package internal(set) var hookUrl: String = ""
    package internal(set) var hookSecretFile: String = ""
    package internal(set) var hookTimeout: Int = 0
    package internal(set) var hookMaxAttempts: Int = 0

    init(source: String) { self.source = source }

    /// A value as the file gave it, and its line. (A struct, not a tuple:
    /// a dictionary of tuples costs every CGI exec a run-time type lookup.)
    struct Given {
        let text: String
        let line: Int
    }

    /// Pure: the text of a config file in, a config or the first error out.
    /// Format: `key = value` lines; `#` starts a comment line.
    public static func parse(_ text: String, source: String = "gatehouse.conf",
                             overrides: [String: String] = [:]) throws(ConfigError) -> Config {
        var raw: [String: Given] = [:]
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
            raw[key] = Given(text: value, line: n + 1)
        }
        for (k, v) in overrides { raw[k] = Given(text: v, line: 0) }
        var config = Config(source: source)
        for setting in Settings.all {
            let given = raw[setting.key] ?? Given(text: setting.defaultValue, line: 0)
            let (text, line) = (given.text, given.line)
            if let problem = setting.apply(text, &config) {
                throw ConfigError(file: source, line: line, key: setting.key, reason: problem.reason)
            }
        }
        /// A value that contradicts another, at the line of `key` (or of `lineOf`).
        func contradiction(_ key: String, lineOf: String? = nil, _ reason: String) -> ConfigError {
            ConfigError(file: source, line: raw[lineOf ?? key]?.line ?? 0, key: key, reason: reason)
        }
        if config.passwordMaxLength < config.passwordMinLength {
            throw contradiction("password_max_length", "must not be less than password_min_length")
        }
        if config.store == .postgresql && config.postgresqlDsn.isEmpty {
            throw contradiction("postgresql_dsn", lineOf: "store", "store = postgresql needs a connection string")
        }
        if config.ipv6WidePrefixLength > config.ipv6PrefixLength {
            throw contradiction("ipv6_wide_prefix_length",
                                "must not be longer than ipv6_prefix_length (the wider network holds the narrower)")
        }
        if config.sessionAbsoluteTimeout < config.sessionIdleTimeout {
            throw contradiction("session_absolute_timeout", "must not be less than session_idle_timeout")
        }
        if !config.hookUrl.isEmpty && config.hookSecretFile.isEmpty {
            throw contradiction("hook_secret_file", lineOf: "hook_url", "hook_url needs the file of the secret its POSTs are signed with")
        }
        if let reason = config.webauthnProblem {
            throw contradiction("webauthn_origins", lineOf: config.webauthnOrigins.isEmpty ? "webauthn_rp_id" : nil, reason)
        }
        return config
    }

    /// What is wrong with the passkey settings taken together: origins
    /// without an RP ID or the reverse, an origin on another domain, plain
    /// HTTP anywhere but localhost (WebAuthn needs a secure context).
    var webauthnProblem: String? {
        if webauthnRpId.isEmpty { return webauthnOrigins.isEmpty ? nil : "needs webauthn_rp_id" }
        if webauthnOrigins.isEmpty { return "webauthn_rp_id needs the origins its pages are served from" }
        for origin in webauthnOrigins {
            let https = origin.hasPrefix("https://")
            var host = String(origin.dropFirst(https ? 8 : 7))
            if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
            guard host == webauthnRpId || host.hasSuffix("." + webauthnRpId) else {
                return "\(origin) is not on \(webauthnRpId) or a subdomain of it"
            }
            guard https || host == "localhost" else { return "\(origin) must be https (http only for localhost)" }
        }
        return nil
    }

    /// Finds the file without relying on the environment (suEXEC strips it):
    /// GATEHOUSE_CONFIG if set, then gatehouse.conf beside the executable,
    /// then /etc/gatehouse/gatehouse.conf; no file at all means defaults.
    package static func locate(environment: (String) -> String? = { getenv($0).map { String(cString: $0) } },
                              executableDirectory: String? = Config.executableDirectory()) -> String? {
        if let explicit = environment("GATEHOUSE_CONFIG"), !explicit.isEmpty { return explicit }
        if let dir = executableDirectory, access(dir + "/gatehouse.conf", R_OK) == 0 { return dir + "/gatehouse.conf" }
        if access("/etc/gatehouse/gatehouse.conf", R_OK) == 0 { return "/etc/gatehouse/gatehouse.conf" }
        return nil
    }

    /// `dataDir` overrides `data_dir` (gatehousectl's --data-dir).
    package static func load(path: String?, dataDir: String? = nil) throws(ConfigError) -> Config {
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

    package static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// The Maildir for `mail_transport = maildir`.
    package var maildir: String { maildirSetting.isEmpty ? dataDir + "/maildir" : maildirSetting }
    package var auditLogPath: String { auditLogSetting.isEmpty ? dataDir + "/audit.log" : auditLogSetting }
    package var breachFilterPath: String { breachFilterSetting.isEmpty ? dataDir + "/breached-passwords.filter" : breachFilterSetting }
}

/// Where accounts, sessions and codes live.
package enum StoreKind: String, CaseIterable, Sendable { case flatfile, postgresql }
/// What `postgresql_tls` asks of the database connection.
package enum DatabaseTLS: String, CaseIterable, Sendable { case auto, required, off }
/// The least severe diagnostic that reaches the error log (syslog's names).
package enum LogLevel: String, CaseIterable, Sendable { case debug, info, notice, warning, error }
/// What passing `otp_sends_per_hour_site` does.
package enum SiteCapAction: String, CaseIterable, Sendable { case alarm, refuse }
/// `breached_passwords`.
package enum BreachCheck: String, CaseIterable, Sendable { case refuse, warn, off }
/// `signup_enabled`.
package enum SignupSetting: String, CaseIterable, Sendable { case no, yes, invitation }
/// How mail leaves the outbox.
package enum MailTransportKind: String, CaseIterable, Sendable { case maildir, sendmail, smtp }
/// `smtp_starttls`.
package enum StartTLS: String, CaseIterable, Sendable { case auto, off, optional, required }

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
