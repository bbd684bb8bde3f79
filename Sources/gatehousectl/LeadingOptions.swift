import ArgumentParser

/// `gatehousectl --config FILE user add …` works as `git -C` and
/// `systemctl --user` do: the global options may come before the
/// subcommand. swift-argument-parser only parses options on the command
/// that declares them, and every leaf declares `GlobalOptions`, so the
/// leading ones are moved to just after the subcommand path. Pure: argv in,
/// argv out (tests/cli runs it through the built program, both orders).
enum LeadingOptions {
    static let valued = ["--config", "--data-dir"]

    static func reorder(_ args: [String], root: ParsableCommand.Type = Gatehousectl.self) -> [String] {
        var globals: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if valued.contains(a), i + 1 < args.count {
                globals += [a, args[i + 1]]
                i += 2
            } else if valued.contains(where: { a.hasPrefix($0 + "=") }) {
                globals.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !globals.isEmpty else { return args }
        let rest = Array(args[i...])
        var command = root
        var depth = 0
        while depth < rest.count,
              let sub = command.configuration.subcommands.first(where: { $0._commandName == rest[depth] }) {
            command = sub
            depth += 1
        }
        return Array(rest[..<depth]) + globals + Array(rest[depth...])
    }
}
