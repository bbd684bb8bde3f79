#if canImport(Glibc)
import Glibc
#endif
import GatehouseEndpoints
import GatehouseFastCGI
import GatehouseSystem

/// A responder a multi-call executable can become: the program name it is
/// installed under, and the endpoint it then serves.
package struct ResponderEntry: Sendable {
    package let program: String
    package let run: @Sendable () -> Never

    package init<E: Endpoint>(_ program: String, _ endpoint: @autoclosure @escaping @Sendable () -> E) {
        self.program = program
        self.run = { ResponderMain.run(endpoint()) }
    }
}

/// Every endpoint's responder in one executable, hard-linked under each
/// endpoint's name and choosing by the name it was started under. The
/// pages of one file are shared by every process that maps it, so the
/// workers of all endpoints share one copy of the code instead of a copy
/// per endpoint (docs/performance.md has the figures).
///
/// Only argv[0] chooses, and only among these names: under CGI the rest of
/// the command line can be the client's (see `RuntimeOptions.arguments`),
/// argv[0] never is (the server sets it to the script's path).
package enum MultiCall {
    package static let usage = """
    usage: gatehouse --names
    This program is every Gatehouse responder in one file. Link it under a
    responder's name (ln gatehouse me) and start it under that name; it
    then takes that responder's options (me --help).

    """

    /// The entry for the program named by `argv0` (its last path component). Pure.
    package static func entry(for argv0: String, in entries: [ResponderEntry]) -> ResponderEntry? {
        let name = argv0.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? argv0
        return entries.first { $0.program == name }
    }

    package static func run(_ entries: [ResponderEntry]) -> Never {
        let argv = CommandLine.arguments
        if let entry = entry(for: argv.first ?? "", in: entries) { entry.run() }
        let args = RuntimeOptions.arguments(Array(argv.dropFirst()), environment: { getenv($0).map { String(cString: $0) } })
        if args == ["--names"] {
            FileDescriptor.writeAll(1, Array(entries.map { $0.program + "\n" }.joined().utf8))
            exit(0)
        }
        ResponderMain.fail("started as \(argv.first ?? "?"), which is none of: "
                           + entries.map(\.program).joined(separator: ", ") + "\n" + usage, code: 64)
    }
}
