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

/// Exit codes a shell script can rely on (documented in the README).
enum Exit {
    static let failure = ExitCode(1)
    static let usage = ExitCode(2)
    static let mismatch = ExitCode(3)
    static let notFound = ExitCode(4)
    static let exists = ExitCode(5)
    static let damaged = ExitCode(6)
    static let wrongUser = ExitCode(77)
    static let config = ExitCode(78)
}

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

/// Every file in the data directory must belong to the user the responders
/// run as: one that root created (`sudo gatehousectl user add …`) would be
/// unwritable for them, and a whole shard of accounts would fail with 500.
/// So root becomes the directory's owner before touching it, and any other
/// user who is not the owner is refused.
enum DataDirectoryOwner {
    static func become(of dataDir: String) throws {
        var st = stat()
        guard stat(dataDir, &st) == 0 else { return }  // not created yet: `init` makes it as whoever runs it
        let me = geteuid()
        if st.st_uid == me { return }
        guard me == 0 else {
            Console.error("\(dataDir) belongs to uid \(st.st_uid); run gatehousectl as that user")
            throw Exit.wrongUser
        }
        guard setgroups(0, nil) == 0, setgid(st.st_gid) == 0, setuid(st.st_uid) == 0 else {
            Console.error("cannot become uid \(st.st_uid), the owner of \(dataDir)")
            throw Exit.wrongUser
        }
    }
}

/// Parses an address argument; a bad one is a usage error.
func emailArgument(_ text: String) throws -> EmailAddress {
    switch EmailAddress.parse(text) {
    case .success(let e): return e
    case .failure(let p): throw ValidationError("invalid e-mail address \(text): \(p.reason)")
    }
}

/// Runs an account operation, turning domain errors into messages and exit codes.
func perform<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as AccountError {
        switch e {
        case .userNotFound: Console.error("no such user"); throw Exit.notFound
        case .userExists: Console.error("user already exists"); throw Exit.exists
        case .invalidField(let field, let reason): Console.error("\(field) \(reason)"); throw Exit.usage
        default: Console.error("\(e)"); throw Exit.failure
        }
    } catch let e as ExitCode {
        throw e
    } catch {
        Console.error("\(error)")
        throw Exit.failure
    }
}

struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { Console.error("\(event.level): \(event.message)") }
}

enum Console {
    static func out(_ s: String) { write(1, s + "\n") }
    static func error(_ s: String) { write(2, "gatehousectl: " + s + "\n") }

    static func write(_ fd: Int32, _ s: String) { FileDescriptor.writeAll(fd, Array(s.utf8)) }

    /// A password from a no-echo prompt on the terminal (asked twice), or
    /// one line of standard input when it is not a terminal. Never argv.
    static func readPassword(confirm: Bool) throws -> String {
        if isatty(0) == 0 {
            guard let line = readLine(strippingNewline: true) else {
                error("no password on standard input")
                throw Exit.usage
            }
            return line
        }
        let first = prompt("Password: ")
        if confirm {
            guard constantTimeEqual(first, prompt("Repeat password: ")) else {
                error("passwords do not match")
                throw Exit.mismatch
            }
        }
        return first
    }

    static func prompt(_ text: String) -> String {
        write(2, text)
        var old = termios()
        tcgetattr(0, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(0, TCSAFLUSH, &old)
            write(2, "\n")
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
