import GatehouseConfig
import Logging

extension Logger.Level {
    /// log_level (syslog's names) onto swift-log's.
    package init(_ level: LogLevel) {
        switch level {
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        }
    }
}
