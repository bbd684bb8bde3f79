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
}
