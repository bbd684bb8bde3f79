import ArgumentParser
import GatehouseCore

/// Exit codes a shell script can rely on (documented in docs/operations.md).
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

/// Runs an account operation, turning domain errors into messages and exit codes.
func perform<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as AccountError {
        switch e {
        case .userNotFound: Console.error("no such user"); throw Exit.notFound
        case .passkeyNotFound: Console.error("no such passkey"); throw Exit.notFound
        case .userExists: Console.error("user already exists"); throw Exit.exists
        case .invalidField(let field, let reason): Console.error("\(field) \(reason)"); throw Exit.usage
        case .signupClosed: Console.error("invitations need signup_enabled = invitation"); throw Exit.config
        default: Console.error("\(e)"); throw Exit.failure
        }
    } catch let e as ExitCode {
        throw e
    } catch {
        Console.error("\(error)")
        throw Exit.failure
    }
}
