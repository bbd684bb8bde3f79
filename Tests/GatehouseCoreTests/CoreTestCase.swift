#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class ManualClock: Clock, @unchecked Sendable {
    var t: Int64 = 1_800_000_000
    func now() -> Int64 { t }
}

/// The audit lines a test's core wrote.
final class AuditLines: @unchecked Sendable {
    var lines: [String] = []
    var text: String { lines.map { $0 + "\n" }.joined() }
}

/// The core against a store in memory (which passes the same contract as
/// the adapters), with a cheap Argon2id and a clock the test moves.
class CoreTestCase: XCTestCase {
    var clock = ManualClock()
    var accounts: Accounts!
    var store = MemoryStore()
    var audit = AuditLines()
    let hasher = Argon2idHasher(opsLimit: 1, memLimitKiB: 8)

    /// Where account events go (none unless a test sets it before `make`).
    var events: (any EventSink)?

    func make(policy: AccountPolicy = AccountPolicy()) throws {
        store = MemoryStore()
        audit = AuditLines()
        let random = SystemRandom()
        _ = try ServerSecrets.createKeyIfMissing(in: store, random: random)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        accounts = Accounts(store: store, hasher: hasher, keys: try ServerSecrets.loadKey(from: store), clock: clock,
                            random: random, policy: policy,
                            audit: AuditTrail(append: { [audit] in audit.lines.append($0) }, events: events, logger: logger),
                            logger: logger, dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random))
    }

    override func setUpWithError() throws { try make() }

    func email(_ s: String) -> EmailAddress { try! EmailAddress.parse(s).get() }

    func error(_ body: () throws -> Void) -> AccountError? {
        do { try body(); return nil } catch { return error as? AccountError }
    }
}

extension SignInOutcome {
    /// The session a sign-in opened (a test that expects one).
    var token: String {
        guard case .opened(let opened) = self else { fatalError("expected a session, got a second step") }
        return opened.token
    }
}
