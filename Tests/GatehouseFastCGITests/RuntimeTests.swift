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
        _ = FileManager.default.createFile(atPath: dir + "/gatehouse.conf", contents: Data("data_dir = /x\n".utf8))
        XCTAssertThrowsError(try Runtime.listenAddress(dir + "/gatehouse.conf"))
        XCTAssertThrowsError(try Runtime.listenAddress(dir))
        XCTAssertEqual(try String(contentsOfFile: dir + "/gatehouse.conf", encoding: .utf8), "data_dir = /x\n")
        XCTAssertEqual(try Runtime.listenAddress(dir + "/new.sock"), dir + "/new.sock")
        XCTAssertEqual(try Runtime.listenAddress("relative.sock"), "./relative.sock")
        XCTAssertEqual(try Runtime.listenAddress("127.0.0.1:9000"), "127.0.0.1:9000")
    }

    /// A server's duplicate: the first, as libfcgi has it. A client's
    /// duplicate header: every line, combined.
    func testDuplicateParameters() {
        let entries = ["CONTENT_LENGTH=", "CONTENT_LENGTH=99", "REMOTE_USER=ann", "REMOTE_USER=",
                       "HTTP_X_FORWARDED_FOR=203.0.113.9", "HTTP_X_FORWARDED_FOR=198.51.100.2", "HTTP_COOKIE=a=1", "HTTP_COOKIE=b=2",
                       "HTTP_HOST=example.com", "NOEQUALS"]
        let envp = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: entries.count + 1)
        defer { envp.deallocate() }
        for (i, e) in entries.enumerated() { envp[i] = strdup(e) }
        envp[entries.count] = nil
        defer { for i in 0..<entries.count { free(envp[i]) } }
        let params = Runtime.copyParams(envp)
        XCTAssertEqual(params["CONTENT_LENGTH"], "")
        XCTAssertEqual(params["REMOTE_USER"], "ann")
        XCTAssertEqual(params["HTTP_X_FORWARDED_FOR"], "203.0.113.9, 198.51.100.2")
        XCTAssertEqual(params["HTTP_COOKIE"], "a=1; b=2")
        XCTAssertEqual(params["HTTP_HOST"], "example.com")
        XCTAssertEqual(params.count, 5)
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
