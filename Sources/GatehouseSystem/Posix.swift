#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call, with the path it concerned and its errno. Every
/// layer speaks in these; the layers above decide what a person sees.
package struct SystemCallError: Error, CustomStringConvertible {
    package let operation: String
    package let path: String
    package let code: Int32

    package init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    package var description: String {
        "\(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// Thin, EINTR-safe wrappers over the system calls every layer uses: libfcgi installs signal handlers that interrupt
/// blocking calls (flock, read, write), so every call retries on EINTR.
package enum Posix {
    package static func retry(_ body: () -> Int32) -> Int32 {
        while true {
            let rc = body()
            if rc == -1 && errno == EINTR { continue }
            return rc
        }
    }

    package static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o600) throws -> Int32 {
        let fd = retry { Glibc.open(path, flags | O_CLOEXEC, mode) }
        if fd < 0 { throw SystemCallError(operation: "open", path: path, code: errno) }
        return fd
    }

    /// nil when the file does not exist; any other failure throws.
    package static func openIfExists(_ path: String, _ flags: Int32) throws -> Int32? {
        let fd = retry { Glibc.open(path, flags | O_CLOEXEC) }
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemCallError(operation: "open", path: path, code: errno)
        }
        return fd
    }

    /// The whole file; more than `limit` bytes is an error (EFBIG), never a
    /// silently shortened read.
    package static func readAll(_ fd: Int32, path: String, limit: Int = 1 << 20) throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { buf in
                Int32(truncatingIfNeeded: retryRW { Glibc.read(fd, buf.baseAddress, buf.count) })
            }
            if n < 0 { throw SystemCallError(operation: "read", path: path, code: errno) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<Int(n)])
            if out.count > limit { throw SystemCallError(operation: "read", path: path, code: EFBIG) }
        }
    }

    package static func pread(_ fd: Int32, count: Int, path: String) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: count)
        let n = buf.withUnsafeMutableBytes { b in retryRW { Glibc.pread(fd, b.baseAddress, count, 0) } }
        if n < 0 { throw SystemCallError(operation: "pread", path: path, code: errno) }
        return Array(buf[0..<n])
    }

    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { b in
                retryRW { Glibc.write(fd, b.baseAddress! + offset, bytes.count - offset) }
            }
            if n < 0 { throw SystemCallError(operation: "write", path: path, code: errno) }
            offset += n
        }
    }

    package static func pwriteAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        let n = bytes.withUnsafeBytes { b in retryRW { Glibc.pwrite(fd, b.baseAddress, bytes.count, 0) } }
        if n != bytes.count { throw SystemCallError(operation: "pwrite", path: path, code: n < 0 ? errno : EIO) }
    }

    package static func retryRW(_ body: () -> Int) -> Int {
        while true {
            let rc = body()
            if rc == -1 && errno == EINTR { continue }
            return rc
        }
    }

    package static func fsync(_ fd: Int32, path: String) throws {
        if retry({ Glibc.fsync(fd) }) != 0 { throw SystemCallError(operation: "fsync", path: path, code: errno) }
    }

    package static func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    package static func lock(_ fd: Int32, _ op: Int32, path: String) throws {
        if retry({ flock(fd, op) }) != 0 { throw SystemCallError(operation: "flock", path: path, code: errno) }
    }

    package static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw SystemCallError(operation: "rename", path: to, code: errno) }
    }

    /// true when something was removed.
    package static func unlinkIfExists(_ path: String) throws -> Bool {
        if Glibc.unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw SystemCallError(operation: "unlink", path: path, code: errno)
    }

    /// mkdir -p with mode 0700 for every directory it creates. Each new
    /// directory is fsync'd into its parent: a record renamed into a shard
    /// that a power cut then forgets would be lost with it.
    package static func makeDirectories(_ path: String) throws {
        if Glibc.mkdir(path, 0o700) == 0 {
            try fsyncDirectory(dirname(of: path))
            return
        }
        if errno == EEXIST { return }
        guard errno == ENOENT else { throw SystemCallError(operation: "mkdir", path: path, code: errno) }
        let parent = dirname(of: path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent) }
        if Glibc.mkdir(path, 0o700) == 0 {
            try fsyncDirectory(parent)
        } else if errno != EEXIST {
            throw SystemCallError(operation: "mkdir", path: path, code: errno)
        }
    }

    /// Whether `fd` is still the file linked at `path`. A lock taken on a
    /// file that was unlinked (gc) or renamed away meanwhile guards nothing.
    package static func isStillLinked(_ fd: Int32, at path: String) -> Bool {
        var a = stat(), b = stat()
        guard fstat(fd, &a) == 0, stat(path, &b) == 0 else { return false }
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }

    package static func dirname(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Entries of a directory, without "." and ".."; empty when it is missing.
    package static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// chmod that refuses to follow a symbolic link (O_NOFOLLOW, then fchmod).
    package static func chmodNoFollow(_ path: String, _ mode: mode_t, directory: Bool) throws {
        let fd = try open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (directory ? O_DIRECTORY : 0))
        defer { close(fd) }
        if fchmod(fd, mode) != 0 { throw SystemCallError(operation: "fchmod", path: path, code: errno) }
    }

    /// Seconds since the file was last modified; nil when it is gone.
    package static func age(_ path: String) -> Int? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return time(nil) - st.st_mtim.tv_sec
    }

    package static func mode(_ path: String) -> mode_t? {
        var st = stat()
        let clstat: (UnsafePointer<CChar>, UnsafeMutablePointer<stat>) -> Int32 = Glibc.lstat
        guard clstat(path, &st) == 0 else { return nil }
        return st.st_mode
    }
}
