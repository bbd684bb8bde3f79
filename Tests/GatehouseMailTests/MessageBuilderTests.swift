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
