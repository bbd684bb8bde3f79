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

/// The parsed `gatehouse.conf`: every key of `Settings.all`, defaults filled in.
public struct Config: Sendable {
    public let source: String
    private let values: [String: ConfigValue]

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

    public static func load(path: String?, overrides: [String: String] = [:]) throws(ConfigError) -> Config {
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

    // MARK: typed accessors

    public func int(_ key: String) -> Int {
        guard case .int(let n)? = values[key] else { preconditionFailure("\(key) is not an integer setting") }
        return n
    }

    public func text(_ key: String) -> String {
        guard case .text(let s)? = values[key] else { preconditionFailure("\(key) is not a text setting") }
        return s
    }

    public func list(_ key: String) -> [String] {
        guard case .list(let l)? = values[key] else { preconditionFailure("\(key) is not a list setting") }
        return l
    }

    public func flag(_ key: String) -> Bool {
        guard case .flag(let b)? = values[key] else { preconditionFailure("\(key) is not a yes/no setting") }
        return b
    }

    public var dataDir: String { text("data_dir") }
    public var maildir: String {
        let p = text("maildir")
        return p.isEmpty ? dataDir + "/maildir" : p
    }
    public var prefix: String { text("prefix") }
    public var maxBodyBytes: Int { int("max_body_bytes") }
    public var passwordMinLength: Int { int("password_min_length") }
    public var passwordMaxLength: Int { int("password_max_length") }
    public var sessionIdleTimeout: Int { int("session_idle_timeout") }
    public var sessionAbsoluteTimeout: Int { int("session_absolute_timeout") }
    public var auditLogPath: String {
        let p = text("audit_log")
        return p.isEmpty ? dataDir + "/audit.log" : p
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

/// A start-up problem, naming the configuration key to fix.
public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
