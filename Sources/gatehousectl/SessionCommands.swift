import ArgumentParser
import GatehouseCore
import GatehouseSystem

struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List or revoke sessions.", subcommands: [List.self, Revoke.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live sessions: id, e-mail, created, last seen, client address.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this user's sessions.", transform: emailArgument) var user: EmailAddress?

        func run() throws {
            let accounts = try global.accounts()
            for (s, u) in try perform({ try accounts.liveSessions() }) where user == nil || u.email == user {
                Console.out("\(s.id)\t\(u.email)\t\(UTCTime.rfc3339(s.created))\t\(UTCTime.rfc3339(s.lastSeen))\t\(s.clientIP)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke one session by id, or every session of a user.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Revoke every session of this user.", transform: emailArgument) var user: EmailAddress?
        @Option(help: "Revoke the session with this id (from `sessions list`).") var id: String?

        func validate() throws {
            guard (user == nil) != (id == nil) else { throw ValidationError("give exactly one of --user or --id") }
        }

        func run() throws {
            let accounts = try global.accounts()
            if let user {
                let n = try perform { try accounts.revokeSessions(of: user) }
                Console.out("revoked every session of \(user) (\(n) removed)")
            } else if let id {
                guard try perform({ try accounts.revokeSession(id: id) }) else {
                    Console.error("no such session")
                    throw Exit.notFound
                }
                Console.out("revoked \(id)")
            }
        }
    }
}
