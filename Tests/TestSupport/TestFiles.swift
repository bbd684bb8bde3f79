#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes for tests, without Foundation.
public enum TestFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func write(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw Failure(description: "short write to \(path)")
        }
    }

    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path)") }
        defer { close(fd) }
        var out = [UInt8](), buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n <= 0 { return out }
            out += buf[0..<n]
        }
    }

    /// A new private directory under /tmp.
    public static func temporaryDirectory(_ name: String) -> String {
        var template = Array("/tmp/gatehouse-\(name)-XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template))
    }

    public static func removeTree(_ path: String) {
        _ = system("rm -rf '\(path)'")
    }

    public static func text(_ path: String) throws -> String {
        String(decoding: try read(path), as: UTF8.self)
    }
}
