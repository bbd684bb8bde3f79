/// A directory's entries, without "." and ".."; empty when it is missing.
package enum Directory {
    package static func names(_ path: String) -> [String] { Posix.list(path) }

    /// fsync of a directory, so an entry renamed into it survives a power cut.
    package static func sync(_ path: String) throws { try Posix.fsyncDirectory(path) }
}
