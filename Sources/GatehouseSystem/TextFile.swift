#if canImport(Glibc)
import Glibc
#endif

/// Small text files: configuration, templates, imports, secrets.
package enum TextFile {
    /// The whole file as UTF-8. A failure keeps its errno (a permission
    /// problem must not read as an encoding one); invalid UTF-8 is EILSEQ.
    package static func read(_ path: String, limit: Int = 16 << 20) throws(SystemCallError) -> String {
        do {
            let fd = try Posix.open(path, O_RDONLY)
            defer { close(fd) }
            guard let text = String(validating: try Posix.readAll(fd, path: path, limit: limit), as: UTF8.self) else {
                throw SystemCallError(operation: "read", path: path, code: EILSEQ)
            }
            return text
        } catch let e as SystemCallError {
            throw e
        } catch {
            throw SystemCallError(operation: "read", path: path, code: EIO)
        }
    }
}
