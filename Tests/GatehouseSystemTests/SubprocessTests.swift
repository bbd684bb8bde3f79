#if canImport(Glibc)
import Glibc
#endif
import GatehouseSystem
import XCTest

final class SubprocessTests: XCTestCase {
    /// The child of a responder sees neither the request's headers (CGI puts
    /// them in the environment) nor the responder's open files.
    func testSubprocessGetsAMinimalEnvironmentAndNoDescriptors() throws {
        let dir = "/tmp/gatehouse-subprocess-\(getpid())"
        _ = system("mkdir -p '\(dir)'")
        defer { _ = system("rm -rf '\(dir)'") }
        setenv("HTTP_COOKIE", "gatehouse_session=secret", 1)
        defer { unsetenv("HTTP_COOKIE") }
        let held = open(dir + "/held", O_RDWR | O_CREAT, 0o600)
        defer { close(held) }
        XCTAssertNil(Subprocess.run(["/bin/sh", "-c", "env > \(dir)/env; ls /proc/self/fd > \(dir)/fds"], timeout: 5))
        let env = try TextFile.read(dir + "/env")
        XCTAssertFalse(env.contains("HTTP_COOKIE"))
        XCTAssertTrue(env.contains("PATH="))
        let fds = try TextFile.read(dir + "/fds").split(separator: "\n").compactMap { Int($0) }
        XCTAssertTrue(fds.allSatisfy { $0 <= 3 }, "only 0-2 (and ls's own directory) are open: \(fds)")
    }

    /// A child that exits without reading (a sendmail refusing at once) is
    /// a failure said in words, never a SIGPIPE that kills this process:
    /// gatehousectl delivering the outbox does not ignore the signal. The
    /// input is larger than a pipe holds, so the write meets the closed end.
    func testAChildThatStopsReadingIsAFailureNotASignal() {
        let message = [UInt8](repeating: 0x78, count: 1 << 20)
        XCTAssertEqual(Subprocess.run(["/bin/true"], input: message, timeout: 5), "/bin/true exited before reading all its input")
        XCTAssertEqual(Subprocess.run(["/bin/false"], input: message, timeout: 5), "/bin/false failed (status 1)")
        XCTAssertNil(Subprocess.run(["/bin/cat"], input: message, timeout: 5))
        var pending = sigset_t()
        sigpending(&pending)
        XCTAssertEqual(sigismember(&pending, SIGPIPE), 0, "no SIGPIPE is left pending for this thread")
    }
}
