/// A start-up problem, naming the configuration key (or file) to fix: a
/// responder stops at start with it, never at the first request.
package struct SetupError: Error, CustomStringConvertible {
    package let description: String
    package init(description: String) { self.description = description }
}
