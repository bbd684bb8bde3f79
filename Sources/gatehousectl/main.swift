import ArgumentParser

/// The administrator's tool: data directory, users, sessions, maintenance.
struct Gatehousectl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehousectl",
        abstract: "Administer a Gatehouse installation.",
        discussion: """
        Exit status: 0 success, 1 failure, 2 invalid input, 3 passwords did not \
        match, 4 no such user, 5 user exists, 6 fsck found damage, 77 run as a user who does \
        not own the data directory, 78 bad configuration.
        """,
        subcommands: [Init.self, User.self, Invite.self, Import.self, Breach.self, Hash.self, Sessions.self, Mail.self, Hooks.self, GC.self, Fsck.self, Database.self, StoreCommand.self, ConfigCommand.self]
    )
}

Gatehousectl.main(LeadingOptions.reorder(Array(CommandLine.arguments.dropFirst())))
