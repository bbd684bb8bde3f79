#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import GatehouseCrypto
import GatehouseSystem
import Logging

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
