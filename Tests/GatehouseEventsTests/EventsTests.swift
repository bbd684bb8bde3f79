#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseEvents
import GatehouseCore
import GatehouseCrypto
import GatehouseFiles
import GatehouseJSON
import GatehouseSystem
import Logging
import TestSupport
import XCTest

final class EventsTests: XCTestCase {
    final class Clock: GatehouseCore.Clock, @unchecked Sendable {
        var t: Int64 = 1_800_000_000
        func now() -> Int64 { t }
    }

    /// A sink that records what it was given and fails while `down`.
    final class Recorder: HookTransport, @unchecked Sendable {
        var down = false
        var got: [(id: String, type: String, payload: [UInt8])] = []
        func deliver(_ payload: [UInt8], id: String, type: String) -> String? {
            if down { return "down" }
            got.append((id, type, payload))
            return nil
        }
    }

    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// The Standard Webhooks specification's own example.
    func testTheSignatureIsStandardWebhooks() throws {
        let s = try WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let headers = s.headers(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        XCTAssertEqual(headers.first { $0.0 == "webhook-signature" }?.1, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        XCTAssertEqual(headers.first { $0.0 == "webhook-timestamp" }?.1, "1614265330")
    }

    func testASecretTooShortOrNotBase64IsRefused() {
        XCTAssertThrowsError(try WebhookSignature(secret: "whsec_c2hvcnQ="))
        XCTAssertThrowsError(try WebhookSignature(secret: "whsec_not base64!"))
        XCTAssertNoThrow(try WebhookSignature(secret: WebhookSignature.newSecret(random: SystemRandom())))
    }

    func testAuditLinesBecomeEventsAndOthersDoNot() throws {
        let email = try EmailAddress.parse("a@example.org").get()
        let reset = AccountEvent.from(audit: "password_changed", time: 5, user: email, ip: "192.0.2.1", [("method", .string("reset"))])
        XCTAssertEqual(reset?.type, "password.reset")
        XCTAssertEqual(AccountEvent.from(audit: "password_changed", time: 5, user: email, ip: nil, [("method", .string("old_password"))])?.type,
                       "password.changed")
        XCTAssertNil(AccountEvent.from(audit: "code_sent", time: 5, user: email, ip: nil, []))
        XCTAssertNil(AccountEvent.from(audit: "signin_failed", time: 5, user: email, ip: nil, []))
        let payload = try JSONParser.parse(reset!.payload(id: "5-ab"))
        XCTAssertEqual(payload["type"], JSONValue.string("password.reset"))
        XCTAssertEqual(payload["id"], JSONValue.string("5-ab"))
        XCTAssertEqual(payload["timestamp"], JSONValue.string("1970-01-01T00:00:05Z"))
        XCTAssertEqual(payload["data"]?["email"], JSONValue.string("a@example.org"))
        XCTAssertEqual(payload["data"]?["ip"], JSONValue.string("192.0.2.1"))
        XCTAssertEqual(payload["data"]?["method"], JSONValue.string("reset"))
    }

    /// One sink down holds back only its own copy; it gets the event once
    /// it is up and due, the other never gets it twice.
    func testASinkThatIsDownLosesNothingAndTheOtherIsNotHeldBack() throws {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        let clock = Clock()
        let spool = EventSpool(dataDir: dir, sinks: [.exec, .url], reserve: .none, random: SystemRandom(), logger: logger, handoff: nil)
        spool.publish(AccountEvent(type: "account.created", time: clock.t, data: [("email", .string("a@example.org"))]), .publish)
        XCTAssertEqual(spool.queued.count, 1)
        let program = Recorder(), url = Recorder()
        url.down = true
        let delivery = HookDelivery(dataDir: dir, transports: [(.exec, program), (.url, url)], maxAttempts: 3, clock: clock, logger: logger)
        var r = delivery.deliver(ids: spool.queued)
        XCTAssertEqual([r.sent, r.failed, r.dead], [1, 1, 0])
        r = delivery.deliverDue()
        XCTAssertEqual([r.sent, r.failed, r.dead], [0, 0, 0], "not due for 10 s")
        url.down = false
        clock.t += 10
        r = delivery.deliverDue()
        XCTAssertEqual([r.sent, r.failed, r.dead], [1, 0, 0])
        XCTAssertEqual(program.got.count, 1)
        XCTAssertEqual(url.got.count, 1)
        XCTAssertEqual(url.got[0].type, "account.created")
        XCTAssertEqual(url.got[0].payload, program.got[0].payload)
        XCTAssertEqual(delivery.deliverDue(force: true), Spool.Tally())
    }

    func testAnEventThatKeepsFailingIsADeadLetterThatCanBeRequeued() throws {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        let clock = Clock()
        let spool = EventSpool(dataDir: dir, sinks: [.url], reserve: .none, random: SystemRandom(), logger: logger, handoff: nil)
        spool.publish(AccountEvent(type: "account.deleted", time: clock.t, data: []), .publish)
        let url = Recorder()
        url.down = true
        let delivery = HookDelivery(dataDir: dir, transports: [(.url, url)], maxAttempts: 3, clock: clock, logger: logger)
        // When each of the three tries came, a second at a time.
        var waits = [Int64]()
        var last = clock.t
        for _ in 0..<3 {
            while true {
                let r = delivery.deliverDue()
                if r.failed + r.dead > 0 || clock.t - last > 10_000 { break }
                clock.t += 1
            }
            waits.append(clock.t - last)
            last = clock.t
        }
        let events = Spool.events(dataDir: dir, sink: .url)
        XCTAssertEqual(events.pending().count, 0)
        XCTAssertEqual(events.dead().map(\.state.attempts), [3])
        XCTAssertEqual(waits, [0, 10, 60], "tried at once, after 10 s, then after a minute")
        XCTAssertEqual(try events.retryDead(), 1)
        url.down = false
        XCTAssertEqual(delivery.deliverDue().sent, 1)
        XCTAssertEqual(url.got.count, 1)
    }

    func testWithNoSinkNothingIsWritten() {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        let spool = EventSpool(dataDir: dir, sinks: [], reserve: .none, random: SystemRandom(), logger: logger, handoff: nil)
        spool.publish(AccountEvent(type: "account.created", time: 1, data: []), .publish)
        XCTAssertFalse(spool.isActive)
        XCTAssertEqual(Directory.names(dir), [])
    }

    /// Inside the disk reserve nothing is spooled (the audit line stays).
    func testNothingIsSpooledInsideTheDiskReserve() {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        let spool = EventSpool(dataDir: dir, sinks: [.exec, .url], reserve: DiskReserve(bytes: UInt64(1) << 60), random: SystemRandom(),
                               logger: logger, handoff: nil)
        spool.publish(AccountEvent(type: "account.created", time: 1, data: []), .publish)
        XCTAssertEqual(spool.queued, [])
        XCTAssertEqual(Spool.events(dataDir: dir, sink: .url).pending().count, 0)
    }

    /// A program past its time is killed with everything it started.
    func testAProgramPastItsTimeIsKilledWithItsChildren() throws {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        let started = Monotonic.nanoseconds()
        let error = ExecHook(argv: ["/bin/sh", "-c", "sleep 30 & echo $! > \(dir)/child; wait"], timeout: 1)
            .deliver([], id: "1-ab", type: "t")
        XCTAssertNotNil(error)
        XCTAssertLessThan(Monotonic.nanoseconds() - started, 10_000_000_000)
        let child = pid_t(try TestFiles.text(dir + "/child").filter { !$0.isWhitespace })!
        // Gone, or a zombie waiting for whoever reaps orphans here; a
        // process being killed may still show as running for a moment.
        var stat = ""
        for _ in 0..<100 {
            stat = (try? TestFiles.text("/proc/\(child)/stat")) ?? ""
            if stat.isEmpty || stat.contains(") Z ") { break }
            usleep(20_000)
        }
        XCTAssertTrue(stat.isEmpty || stat.contains(") Z "), "the program's own child was killed too: \(stat)")
    }

    /// The program gets the payload on standard input and its own
    /// environment, nothing of this process's.
    func testTheProgramGetsThePayloadAndAFixedEnvironment() throws {
        let dir = TestFiles.temporaryDirectory("events")
        defer { TestFiles.removeTree(dir) }
        setenv("HTTP_X_SECRET", "leak", 1)
        defer { unsetenv("HTTP_X_SECRET") }
        let out = dir + "/out"
        let hook = ExecHook(argv: ["/bin/sh", "-c", "cat > \(out).body; env | sort > \(out).env"], timeout: 5)
        XCTAssertNil(hook.deliver(Array("{\"x\":1}".utf8), id: "1-ab", type: "account.created"))
        XCTAssertEqual(try TestFiles.text(out + ".body"), "{\"x\":1}")
        let env = try TestFiles.text(out + ".env")
        XCTAssertTrue(env.contains("GATEHOUSE_EVENT=account.created\n"))
        XCTAssertTrue(env.contains("GATEHOUSE_EVENT_ID=1-ab\n"))
        XCTAssertFalse(env.contains("HTTP_X_SECRET"))
        XCTAssertNotNil(ExecHook(argv: ["/bin/false"], timeout: 5).deliver([], id: "1-ab", type: "t"))
    }
}
