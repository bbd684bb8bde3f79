#if canImport(Glibc)
import Glibc
#endif
@testable import GatehouseMail
import GatehouseStore
import TestSupport
import XCTest
import GatehouseSystem
import GatehouseCore
import GatehouseCrypto
import Logging

final class MessageBuilderTests: XCTestCase {
    let builder = MessageBuilder(from: "Site <no-reply@example.org>")

    func testHeadersAndNoInjection() {
        let m = String(decoding: builder.build(to: "a@example.com\r\nBcc: x@evil", subject: "Hi\r\nBcc: y@evil", text: "body",
                                              html: nil, date: 0, messageID: "abc"), as: UTF8.self)
        XCTAssertTrue(m.hasPrefix("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nMessage-ID: <abc@example.org>\r\nFrom: Site <no-reply@example.org>\r\n"))
        XCTAssertFalse(m.contains("\r\nBcc:"))
        XCTAssertTrue(m.contains("MIME-Version: 1.0\r\n"))
        XCTAssertTrue(m.contains("Content-Type: text/plain; charset=utf-8\r\n"))
    }

    func testEncodedWordAndQuotedPrintable() {
        XCTAssertEqual(MessageBuilder.encodeWord("Grüße"), "=?utf-8?B?R3LDvMOfZQ==?=")
        XCTAssertEqual(MessageBuilder.encodeWord("plain"), "plain")
        XCTAssertEqual(MessageBuilder.quotedPrintable("a=b é\nend "), "a=3Db =C3=A9\r\nend=20")
        let long = MessageBuilder.quotedPrintable(String(repeating: "x", count: 200))
        XCTAssertTrue(long.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
    }

    func testEnvelope() {
        let m = builder.build(to: "a@example.com", subject: "s", text: "t", html: "<p>t</p>", date: 0, messageID: "id")
        XCTAssertEqual(MessageBuilder.envelope(of: m)?.from, "no-reply@example.org")
        XCTAssertEqual(MessageBuilder.envelope(of: m)?.to, "a@example.com")
        XCTAssertTrue(String(decoding: m, as: UTF8.self).contains("multipart/alternative"))
    }
}

func temp() -> String { TestFiles.temporaryDirectory("mail") }

final class OutboxTests: XCTestCase {
    func testClaimSentRetryDead() throws {
        let dir = temp()
        defer { _ = system("rm -rf '\(dir)'") }
        let outbox = Outbox(dataDir: dir)
        try outbox.enqueue(id: "1-a", message: Array("m1".utf8))
        try outbox.enqueue(id: "2-b", message: Array("m2".utf8))
        XCTAssertEqual(outbox.pending().map(\.id), ["1-a", "2-b"])
        XCTAssertTrue(try outbox.claim("1-a") { m, _ in XCTAssertEqual(m, Array("m1".utf8)); return .sent })
        XCTAssertFalse(try outbox.claim("1-a") { _, _ in .sent })
        _ = try outbox.claim("2-b") { _, _ in .retry(at: 99, error: "down") }
        XCTAssertEqual(outbox.pending().first?.state, Outbox.State(attempts: 1, nextAttempt: 99, lastError: "down"))
        _ = try outbox.claim("2-b") { _, s in XCTAssertEqual(s.attempts, 1); return .dead(error: "still down") }
        XCTAssertEqual(outbox.pending().map(\.id), [])
        XCTAssertEqual(outbox.dead().map(\.id), ["2-b"])
        XCTAssertEqual(try outbox.retryDead(), 1)
        XCTAssertEqual(outbox.pending().first?.state.attempts, 0)
        XCTAssertThrowsError(try outbox.enqueue(id: "../x", message: []))
    }

}

/// How mail leaves: the transports and the child processes they run.
final class TransportTests: XCTestCase {
    func testMaildirTransport() throws {
        let dir = temp()
        defer { _ = system("rm -rf '\(dir)'") }
        XCTAssertNil(MaildirTransport(path: dir + "/md").send(Array("A: b\r\n\r\nbody\r\n".utf8), from: "f", to: "t", timeout: 1))
        let files = Directory.names(dir + "/md/new")
        XCTAssertEqual(files.count, 1)
    }

    func testSendmailTransportReportsFailure() {
        XCTAssertNil(SendmailTransport(command: "/bin/cat").send(Array("x".utf8), from: "f", to: "t", timeout: 5))
        XCTAssertNotNil(SendmailTransport(command: "/bin/false").send(Array("x".utf8), from: "f", to: "t", timeout: 5))
        XCTAssertNotNil(SendmailTransport(command: "/nonexistent/sendmail").send(Array("x".utf8), from: "f", to: "t", timeout: 5))
        XCTAssertEqual(SendmailTransport(command: "/bin/sleep 5").send([], from: "f", to: "t", timeout: 1), "/bin/sleep timed out after 1s")
    }

}

final class MailTemplateLoadingTests: XCTestCase {
    func testShippedTemplatesParse() throws {
        let dir = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let languages = try MailService.loadLanguages(dir: "/" + dir + "/deploy/templates")
        XCTAssertEqual(Set(languages.keys), ["", "de"])
        for loaded in languages.values {
            XCTAssertEqual(Set(loaded.keys), ["otp", "password-changed"])
            XCTAssertTrue(loaded["otp"]!.text.variables.contains("code"))
        }
    }

    /// A site owner's template that misspells {{code}} would send codes
    /// without the code; it stops the responder at start instead.
    func testAnOTPTemplateWithoutTheCodeIsRefusedAtStart() throws {
        let dir = temp()
        defer { TestFiles.removeTree(dir) }
        _ = system("mkdir -p \(dir)/mail")
        try TestFiles.write(dir + "/mail/otp.txt", "Subject: Your code\n\nHere it is: {{cdoe}}\n")
        try TestFiles.write(dir + "/mail/password-changed.txt", "Subject: Changed\n\nAt {{time}}.\n")
        let settings = MailSettings(dataDir: dir + "/data", from: "G <g@example.com>", siteName: "G", templatesDir: dir,
                                    timeout: 5, maxAttempts: 3, delivery: .maildir(path: dir + "/mail"))
        XCTAssertThrowsError(try MailService(settings: settings, clock: SystemClock(), random: SystemRandom(),
                                             logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })) {
            XCTAssertTrue("\($0)".contains("must use {{code}}"), "\($0)")
        }
        try TestFiles.write(dir + "/mail/otp.txt", "Subject: Your code\n\nHere it is: {{code}}\n")
        XCTAssertNoThrow(try MailService(settings: settings, clock: SystemClock(), random: SystemRandom(),
                                         logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }))
    }
}
