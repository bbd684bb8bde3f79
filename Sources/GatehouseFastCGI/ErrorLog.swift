#if canImport(Glibc)
import Glibc
#endif
import CFastCGI
import Logging
import GatehouseSystem

/// Where diagnostics go: the current request's FastCGI error stream (a
/// spawn-fcgi worker's own stderr is /dev/null), else file descriptor 2.
/// Single-threaded by construction: one request at a time per process.
package final class ErrorLog: @unchecked Sendable {
    package static let shared = ErrorLog()
    var stream: UnsafeMutablePointer<FCGX_Stream>?
    let program: String

    init() {
        program = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "gatehouse"
    }

    package func write(_ line: String) {
        let text = program + ": " + ErrorLog.escape(line) + "\n"
        if let stream {
            _ = FCGX_PutStr(text, Int32(text.utf8.count), stream)
            FCGX_FFlush(stream)
        } else {
            FileDescriptor.writeAll(2, Array(text.utf8))
        }
    }

    /// Control characters (CR, LF, ESC, …) are escaped so user input that
    /// reaches a message cannot forge or garble log lines.
    package static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else if scalar == "\\" {
                out += "\\\\"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// swift-log handler over `ErrorLog`: the executables make one Logger with
/// it and hand it down; libraries never make their own.
package struct ErrorLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level

    package init(level: Logger.Level) { logLevel = level }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = "\(event.level): \(event.message)"
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        if !all.isEmpty {
            line += " " + all.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        ErrorLog.shared.write(line)
    }
}
