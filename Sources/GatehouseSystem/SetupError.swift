/// A start-up problem, naming the configuration key (or file) to fix: a
/// responder stops at start with it, never at the first request.
public struct SetupError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
