#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseCore
import GatehouseCrypto
import GatehouseFiles
import GatehouseStore
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class ManualClock: Clock, @unchecked Sendable {
    var t: Int64 = 1_800_000_000
    func now() -> Int64 { t }
}

/// The core against a real flat-file store in a temporary directory, with a
/// cheap Argon2id and a clock the test moves.
class CoreTestCase: XCTestCase {
    var dir = ""
    var clock = ManualClock()
    var accounts: Accounts!
    let hasher = Argon2idHasher(opsLimit: 1, memLimitKiB: 8)

    func make(policy: AccountPolicy = AccountPolicy()) throws {
        dir = TestFiles.temporaryDirectory("core")
        let store = try FlatFileStore.create(root: dir)
        let random = SystemRandom()
        _ = try ServerSecrets.createKeyIfMissing(in: store, random: random)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        accounts = Accounts(store: store, hasher: hasher, keys: try ServerSecrets.loadKey(from: store), clock: clock,
                            random: random, policy: policy, audit: AuditTrail(append: { [log = AppendLog(path: dir + "/audit.log")] in try log.append($0) }, logger: logger),
                            logger: logger, dummyHash: try ServerSecrets.dummyHash(in: store, hasher: hasher, random: random))
    }

    override func setUpWithError() throws { try make() }
    override func tearDown() { _ = system("rm -rf '\(dir)'") }

    func email(_ s: String) -> EmailAddress { try! EmailAddress.parse(s).get() }

    func error(_ body: () throws -> Void) -> AccountError? {
        do { try body(); return nil } catch { return error as? AccountError }
    }
}

final class SignInTests: CoreTestCase {
    func testSignInOpensASessionTheTokenFinds() throws {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        let opened = try accounts.signIn(username: "ann@EXAMPLE.com", password: "password one", clientIP: "1.2.3.4")
        XCTAssertEqual(opened.token.count, 43)
        let auth = try accounts.authenticate(token: opened.token)
        XCTAssertEqual(auth.user.email, "ann@example.com")
        XCTAssertEqual(auth.session.clientIP, "1.2.3.4")
    }

    func testWrongPasswordAndUnknownUserAreOneError() throws {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ann@example.com", password: "nope", clientIP: "a") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "bob@example.com", password: "nope", clientIP: "b") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "not an address", password: "nope", clientIP: "c") }, .invalidCredentials)
        XCTAssertEqual(error { _ = try accounts.signIn(username: "ANN@example.com", password: "password one", clientIP: "d") }, .invalidCredentials)
    }

    func testPasswordsAreComparedAfterNFC() throws {
        try accounts.addUser(email("ann@example.com"), password: "caf\u{e9} au lait")
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "cafe\u{301} au lait", clientIP: "a"))
    }

    func testBackoffAfterFiveFailuresThenLock() throws {
        try make(policy: AccountPolicy(throttle: ThrottlePolicy(freeFailures: 5, baseDelay: 1, maxDelay: 900, lockAfter: 8)))
        try accounts.addUser(email("ann@example.com"), password: "password one")
        func attempt(_ pw: String, ip: String) -> AccountError? {
            error { _ = try accounts.signIn(username: "ann@example.com", password: pw, clientIP: ip) }
        }
        for i in 0..<5 { XCTAssertEqual(attempt("bad", ip: "ip\(i)"), .invalidCredentials) }
        XCTAssertEqual(attempt("password one", ip: "other"), .throttled(retryAfter: 1))
        clock.t += 1
        XCTAssertEqual(attempt("bad", ip: "ip6"), .invalidCredentials)
        XCTAssertEqual(attempt("password one", ip: "other"), .throttled(retryAfter: 2))
        clock.t += 2
        XCTAssertEqual(attempt("bad", ip: "ip7"), .invalidCredentials)
        clock.t += 4
        XCTAssertEqual(attempt("bad", ip: "ip8"), .invalidCredentials)  // eighth consecutive failure
        clock.t += 3600
        XCTAssertEqual(attempt("password one", ip: "other"), .accountLocked)
        XCTAssertEqual(try accounts.findUser(email("ann@example.com"))!.lock, .failures)
        try accounts.setLocked(email("ann@example.com"), false)
        XCTAssertNil(attempt("password one", ip: "other"))
    }

    func testLegacyHashIsUpgradedOnSignIn() throws {
        // mkpasswd -m sha-512 password
        let legacy = "$6$93ZB6.ysfqJnbyeD$NIAZ6Bbsr6P.VzQvdTHN.a.3dvtGCeYXLIPom6SJWrHv/aDQp7mza9Q6zYXbBKaR6wxYWbFsT.tifJHUZQ7yI1"
        try accounts.importUser(email("old@example.com"), hash: legacy)
        _ = try accounts.signIn(username: "old@example.com", password: "password", clientIP: "a")
        let stored = try accounts.findUser(email("old@example.com"))!.passwordHash
        XCTAssertTrue(stored.hasPrefix("$argon2id$"))
        XCTAssertNoThrow(try accounts.signIn(username: "old@example.com", password: "password", clientIP: "a"))
        XCTAssertEqual(error { try accounts.importUser(email("x@example.com"), hash: "$1$md5$nope") },
                       .invalidField(field: "hash", reason: "unsupported hash format"))
    }

    /// docs/security.md: rehash on sign-in when the Argon2id parameters change.
    func testArgon2idHashAtOldParametersIsUpgradedOnSignIn() throws {
        let old = try Argon2idHasher(opsLimit: 2, memLimitKiB: 8).hash("password one")
        try accounts.importUser(email("ann@example.com"), hash: old)
        _ = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a")
        let stored = try accounts.findUser(email("ann@example.com"))!.passwordHash
        XCTAssertTrue(stored.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"), stored)
        XCTAssertNoThrow(try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a"))
    }

    func testNewPasswordLengthRules() {
        XCTAssertEqual(error { try accounts.addUser(email("a@example.com"), password: "short") },
                       .invalidField(field: "password", reason: "must be at least 8 characters"))
        XCTAssertEqual(error { try accounts.addUser(email("a@example.com"), password: String(repeating: "x", count: 129)) },
                       .invalidField(field: "password", reason: "must be at most 128 characters"))
        XCTAssertNil(error { try accounts.addUser(email("a@example.com"), password: String(repeating: "é", count: 8)) })
    }
}

final class SessionTests: CoreTestCase {
    func signIn() throws -> String {
        try accounts.addUser(email("ann@example.com"), password: "password one")
        return try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
    }

    func testIdleTimeoutAndTouch() throws {
        let token = try signIn()
        clock.t += 1700
        XCTAssertNoThrow(try accounts.authenticate(token: token))  // touches last-seen
        clock.t += 1700
        XCTAssertNoThrow(try accounts.authenticate(token: token))
        clock.t += 1800
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)  // deleted on sight
    }

    func testLastSeenIsNotRewrittenOnEveryRequest() throws {
        let token = try signIn()
        clock.t += 30
        XCTAssertEqual(try accounts.authenticate(token: token).session.lastSeen, clock.t - 30)
        clock.t += 30
        XCTAssertEqual(try accounts.authenticate(token: token).session.lastSeen, clock.t)
    }

    func testAbsoluteTimeout() throws {
        let token = try signIn()
        for _ in 0..<24 {  // 24 × 1799 s < 12 h
            clock.t += 1800 - 1
            XCTAssertNoThrow(try accounts.authenticate(token: token))
        }
        clock.t += 1800 - 1
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
    }

    func testLogoutAndRevocation() throws {
        let token = try signIn()
        let second = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
        try accounts.logout(try accounts.authenticate(token: token))
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
        XCTAssertNoThrow(try accounts.authenticate(token: second))
        XCTAssertEqual(try accounts.revokeSessions(of: email("ann@example.com")), 1)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: second) }, .notAuthenticated)
    }

    func testLockingEndsSessions() throws {
        let token = try signIn()
        try accounts.setLocked(email("ann@example.com"), true)
        XCTAssertEqual(error { _ = try accounts.authenticate(token: token) }, .notAuthenticated)
    }

    func testMalformedTokensNeverReachTheStore() {
        for t in ["", "abc", String(repeating: "A", count: 42), "../../../../etc/passwd" + String(repeating: "A", count: 21)] {  // outside-ok: hostile input
            XCTAssertEqual(error { _ = try accounts.authenticate(token: t) }, .notAuthenticated, t)
        }
    }

    func testCSRFTokenIsBoundToTheSession() throws {
        let a = try signIn()
        let b = try accounts.signIn(username: "ann@example.com", password: "password one", clientIP: "a").token
        XCTAssertEqual(accounts.csrfToken(forSessionToken: a), accounts.csrfToken(forSessionToken: a))
        XCTAssertNotEqual(accounts.csrfToken(forSessionToken: a), accounts.csrfToken(forSessionToken: b))
    }
}

final class PolicyTests: XCTestCase {
    func testEmailParsing() {
        func parse(_ s: String) -> String? { try? EmailAddress.parse(s).get().description }
        XCTAssertEqual(parse("user@EXAMPLE.COM"), "user@example.com")
        XCTAssertEqual(parse("USER@example.com"), "USER@example.com")
        XCTAssertEqual(parse("John Doe <user@example.com>"), "user@example.com")
        XCTAssertEqual(EmailAddress.parse("not-an-email"), .failure(.noAtSign))
        XCTAssertEqual(EmailAddress.parse(""), .failure(.noAtSign))
        XCTAssertEqual(EmailAddress.parse("a@b.c\r\nBcc: x@y.z"), .failure(.badCharacter))
        XCTAssertEqual(EmailAddress.parse(String(repeating: "a", count: 65) + "@example.com"), .failure(.localPartTooLong))
        XCTAssertEqual(EmailAddress.parse("a@" + String(repeating: "b", count: 250) + ".com"), .failure(.tooLong))
        XCTAssertNil(parse("a@localhost"))
        XCTAssertNil(parse("a..b@example.com"))
        // A special followed by a combining mark is still that special.
        XCTAssertNil(parse("a<\u{301}b@example.com"))
        XCTAssertNil(parse("a,\u{301}b@example.com"))
        XCTAssertNil(parse("x@\u{301}@example.com"))
    }

    func testThrottleArithmetic() {
        let p = ThrottlePolicy(freeFailures: 5, baseDelay: 1, maxDelay: 60, lockAfter: 100)
        var c = CounterRecord()
        for _ in 0..<4 { XCTAssertNil(p.reserve(&c, now: 10)) }
        XCTAssertNil(p.reserve(&c, now: 10))  // the fifth is checked, and starts the back-off
        XCTAssertEqual(p.reserve(&c, now: 10), .wait(1))
        XCTAssertEqual(c.count, 5, "a refused guess is not counted")
        for _ in 0..<20 { p.recordFailure(&c, now: 10) }
        XCTAssertEqual(p.reserve(&c, now: 10), .wait(60))  // capped
        for _ in 0..<75 { p.recordFailure(&c, now: 10) }
        XCTAssertEqual(p.reserve(&c, now: 10_000), .locked)
        XCTAssertNil(p.reserve(&c, now: 10 + 86_400))  // a day later the old streak is forgotten
        XCTAssertEqual(c.count, 1)
    }

    func testClientNetworks() {
        XCTAssertEqual(ClientNetwork.key("192.0.2.7", ipv6PrefixLength: 64), "192.0.2.7")
        XCTAssertEqual(ClientNetwork.key("::ffff:192.0.2.7", ipv6PrefixLength: 64), "192.0.2.7")
        let a = ClientNetwork.key("2001:db8:1:2::1", ipv6PrefixLength: 64)
        XCTAssertEqual(a, "20010db8000100020000000000000000/64")
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2:ffff:ffff:ffff:ffff", ipv6PrefixLength: 64), a)
        XCTAssertNotEqual(ClientNetwork.key("2001:db8:1:3::1", ipv6PrefixLength: 64), a)
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2::1", ipv6PrefixLength: 56),
                       ClientNetwork.key("2001:db8:1:ff::1", ipv6PrefixLength: 56))
        XCTAssertEqual(ClientNetwork.key("2001:db8::1", ipv6PrefixLength: 128), "20010db8000000000000000000000001/128")
        XCTAssertEqual(ClientNetwork.key("not an address", ipv6PrefixLength: 64), "not an address")
        // The wider networks the same budgets also count by.
        XCTAssertEqual(ClientNetwork.key("192.0.2.7", ipv4PrefixLength: 24, ipv6PrefixLength: 48), "192.0.2.0/24")
        XCTAssertEqual(ClientNetwork.key("::ffff:192.0.2.200", ipv4PrefixLength: 24, ipv6PrefixLength: 48), "192.0.2.0/24")
        XCTAssertEqual(ClientNetwork.key("2001:db8:1:2::1", ipv4PrefixLength: 24, ipv6PrefixLength: 48),
                       ClientNetwork.key("2001:db8:1:ffff::9", ipv4PrefixLength: 24, ipv6PrefixLength: 48))
        XCTAssertEqual(ClientNetwork.key("10.1.2.3", ipv4PrefixLength: 20, ipv6PrefixLength: 48), "10.1.0.0/20")
    }

    func testImportFormats() {
        XCTAssertEqual(try ImportFormat.htpasswd.parse("a@b.c:$2y$05$abc")?.get(), .init(email: "a@b.c", hash: "$2y$05$abc"))
        XCTAssertEqual(try ImportFormat.shadow.parse("a@b.c:$6$x$y:19000:0:99999:7:::")?.get().hash, "$6$x$y")
        XCTAssertEqual(ImportFormat.shadow.parse("root:!:19000::::::"), .failure(.noPassword("root")))
        XCTAssertNil(ImportFormat.csv.parse("email,hash"))
        XCTAssertNil(ImportFormat.csv.parse("# comment"))
        XCTAssertEqual(ImportFormat.csv.parse("a,b,c"), .failure(.malformed("expected email,hash")))
    }
}

/// A flood from one client past its budget leaves a few audit lines, not
/// one per request, and they carry the flood's size.
final class AuditThinningTests: CoreTestCase {
    func testRefusalsAreRecordedAtMilestonesWithTheirRunningTotal() throws {
        var throttle = ThrottlePolicy()
        throttle.clientFailuresPerHour = 3
        try make(policy: AccountPolicy(throttle: throttle))
        for _ in 0..<40 {
            _ = error { _ = try accounts.signIn(username: "not an address", password: "x", clientIP: "192.0.2.7") }
        }
        let lines = try TestFiles.text(dir + "/audit.log").split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("\"signin_failed\"") }.count, 3)
        let refused = lines.filter { $0.contains("\"signin_throttled\"") }
        XCTAssertEqual(refused.map { $0.split(separator: "refused_so_far\":").last!.prefix { $0.isNumber } },
                       ["1", "2", "4", "8", "16", "32"])
        XCTAssertEqual(error { _ = try accounts.signIn(username: "not an address", password: "x", clientIP: "192.0.2.7") },
                       .throttled(retryAfter: 3600))
        XCTAssertTrue(AuditTrail.isMilestone(64) && !AuditTrail.isMilestone(0) && !AuditTrail.isMilestone(48))
    }
}


extension AuditThinningTests {
    /// Guesses at addresses with no code outstanding leave no per-account
    /// counter behind: only the client's own budgets (its network's and the
    /// wider network's) are on disk.
    func testGuessesWithNoCodeLeaveNoPerAccountCounters() throws {
        for i in 0..<20 {
            _ = error { _ = try accounts.verifyCode("000000", for: email("nobody\(i)@example.com"), purpose: .verify,
                                                    clientIP: "192.0.2.9") }
        }
        XCTAssertEqual(try (accounts.store as! FlatFileStore).counterTableUsage().used, 2)
    }
}
