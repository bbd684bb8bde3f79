@testable import GatehouseFastCGI
import Foundation
import XCTest

final class RuntimeTests: XCTestCase {
    func testOptions() throws {
        XCTAssertEqual(try RuntimeOptions.parse([]), RuntimeOptions())
        XCTAssertEqual(try RuntimeOptions.parse(["--listen", "/run/x.sock", "--backlog", "5"]).listen, "/run/x.sock")
        XCTAssertThrowsError(try RuntimeOptions.parse(["--listen"]))
        XCTAssertThrowsError(try RuntimeOptions.parse(["--backlog", "-1"]))
        XCTAssertThrowsError(try RuntimeOptions.parse(["extra"]))
        XCTAssertTrue(try RuntimeOptions.parse(["--help"]).help)
    }

    /// Apache's mod_cgi turns a query string without "=" into argv: under
    /// CGI the command line is the client's and is never obeyed.
    func testUnderCGITheCommandLineIsIgnored() throws {
        let cgi: (String) -> String? = { ["GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET"][$0] }
        XCTAssertEqual(RuntimeOptions.arguments(["--listen", "gatehouse.conf"], environment: cgi), [])
        XCTAssertEqual(RuntimeOptions.arguments(["-h"], environment: { $0 == "REQUEST_METHOD" ? "GET" : nil }), [])
        XCTAssertEqual(RuntimeOptions.arguments(["--listen", "/run/x.sock"], environment: { _ in nil }), ["--listen", "/run/x.sock"])
    }

    func testListenNeverReplacesAFileOrDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("listen-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/gatehouse.conf", contents: Data("data_dir = /x\n".utf8))
        XCTAssertThrowsError(try Runtime.listenAddress(dir + "/gatehouse.conf"))
        XCTAssertThrowsError(try Runtime.listenAddress(dir))
        XCTAssertEqual(try String(contentsOfFile: dir + "/gatehouse.conf", encoding: .utf8), "data_dir = /x\n")
        XCTAssertEqual(try Runtime.listenAddress(dir + "/new.sock"), dir + "/new.sock")
        XCTAssertEqual(try Runtime.listenAddress("relative.sock"), "./relative.sock")
        XCTAssertEqual(try Runtime.listenAddress("127.0.0.1:9000"), "127.0.0.1:9000")
    }

    func testLogLinesCannotBeForged() {
        XCTAssertEqual(ErrorLog.escape("user a\r\n[error] fake\u{1b}[31m\\"), "user a\\x0d\\x0a[error] fake\\x1b[31m\\\\")
    }

    func testBodyLimit() {
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "10"], maxBody: 100).length, 10)
        XCTAssertTrue(Runtime.bodyLimit(["CONTENT_LENGTH": "101"], maxBody: 100).tooLarge)
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "junk"], maxBody: 100).length, 0)
        XCTAssertEqual(Runtime.bodyLimit(["CONTENT_LENGTH": "-5"], maxBody: 100).length, 0)
    }
}
