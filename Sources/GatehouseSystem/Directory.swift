/// A directory's entries, without "." and ".."; empty when it is missing.
public enum Directory {
    public static func names(_ path: String) -> [String] { Posix.list(path) }

    /// fsync of a directory, so an entry renamed into it survives a power cut.
    public static func sync(_ path: String) throws { try Posix.fsyncDirectory(path) }
}
