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
