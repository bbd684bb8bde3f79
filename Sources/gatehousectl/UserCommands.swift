#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import GatehouseConfig
import GatehouseCore
import GatehouseStore
import GatehouseSystem

struct User: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts.",
        subcommands: [Add.self, Del.self, List.self, Show.self, Lock.self, Unlock.self, SetPassword.self, SecondFactor.self,
                       Passkeys.self])

    struct SecondFactor: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mfa", abstract: "The second factor of an account.",
                                                        subcommands: [Reset.self])

        struct Reset: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove the second factor of someone who lost their device and recovery codes, and end every session.",
                discussion: "The owner is told by mail, and the audit log records it. Check who is asking first: afterwards the password alone signs in.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress

            func run() throws {
                let mail = try global.mailService(try global.loadConfig())
                let accounts = try global.accounts(mail: mail)
                let had = try perform { try accounts.resetSecondFactor(of: email) }
                mail.deliverQueued()
                Console.out(had ? "removed the second factor of \(email); its sessions ended; the owner was mailed"
                                : "\(email) had no second factor; its sessions ended; the owner was mailed")
            }
        }
    }

    struct Passkeys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The passkeys of an account.",
                                                        subcommands: [List.self, Remove.self])

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List an account's passkeys, one per line: id, created, last used, name.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress

            func run() throws {
                let accounts = try global.accounts()
                for p in try perform({ try accounts.passkeys(of: email) }) {
                    let used = p.lastUsed == 0 ? "never" : UTCTime.rfc3339(p.lastUsed)
                    Console.out("\(p.id)\t\(UTCTime.rfc3339(p.created))\t\(used)\t\(p.name)")
                }
            }
        }

        struct Remove: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove one passkey of an account (by the id `list` shows), or all with --all, and end every session.",
                discussion: "The owner is mailed for each, and the audit log records it.")
            @OptionGroup var global: GlobalOptions
            @Flag(help: "Remove every passkey of the account.") var all = false
            @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress
            @Argument(help: "The passkey's id.") var id: String?

            func validate() throws {
                guard all != (id != nil) else { throw ValidationError("give a passkey's id or --all, not both or neither") }
            }

            func run() throws {
                let mail = try global.mailService(try global.loadConfig())
                let accounts = try global.accounts(mail: mail)
                let removed = try perform { try accounts.removePasskeys(of: email, id: id) }
                mail.deliverQueued()
                Console.out("removed \(removed.count) passkey\(removed.count == 1 ? "" : "s") of \(email); its sessions ended; the owner was mailed")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; the password comes from standard input or a prompt.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            let password = try Console.readPassword(confirm: true)
            let user = try perform { try accounts.addUser(email, password: password) }
            Console.out("added \(user.email)")
            if accounts.breachWarning(for: password) { Console.error("warning: \(Accounts.breachedReason)") }
        }
    }

    struct Del: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user (their sessions die with them).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            try perform { try accounts.deleteUser(email) }
            Console.out("deleted \(email)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, one per line: e-mail, then flags.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let accounts = try global.accounts()
            let users = try perform { try accounts.allUsers() }
            for u in users.sorted(by: { $0.email.description < $1.email.description }) {
                Console.out("\(u.email)\t\(u.locked ? "locked" : "active")\t\(u.emailVerified ? "verified" : "unverified")")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user's record (never the hash itself).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            guard let u = try perform({ try accounts.findUser(email) }) else {
                Console.error("no such user")
                throw Exit.notFound
            }
            let scheme = u.passwordHash.split(separator: "$").first.map(String.init) ?? "?"
            Console.out("""
            email: \(u.email)
            status: \(u.locked ? "locked" : "active")
            email_verified: \(u.emailVerified ? "yes" : "no")
            created: \(UTCTime.rfc3339(u.created))
            password_changed: \(UTCTime.rfc3339(u.passwordChanged))
            hash_scheme: \(scheme)\(accounts.hashIsStale(u) ? " (upgraded at next sign-in)" : "")
            second_factor: \(u.secondFactor.enabled ? "totp, \(u.secondFactor.recoveryCodesLeft) recovery codes left" : "none")
            passkeys: \(u.passkeys.count)
            """)
        }
    }

    struct Lock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lock an account and end its sessions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            try perform { try accounts.setLocked(email, true) }
            Console.out("locked \(email)")
        }
    }

    struct Unlock: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock an account and clear its failed sign-in count.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            try perform { try accounts.setLocked(email, false) }
            Console.out("unlocked \(email)")
        }
    }

    struct SetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a user's password from standard input or a prompt; ends every session of the user.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress


        func run() throws {
            let accounts = try global.accounts()
            let password = try Console.readPassword(confirm: true)
            try perform { try accounts.setPassword(email, password: password) }
            Console.out("password set for \(email)")
            if accounts.breachWarning(for: password) { Console.error("warning: \(Accounts.breachedReason)") }
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import users with their existing hashes (bcrypt, yescrypt, sha512-crypt, Argon2).",
        discussion: "Each line is checked on its own; bad lines are reported with their number and skipped. Exit status 2 if any line was bad.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Input format: htpasswd, shadow or csv.") var format: String
    @Argument(help: "File to read, or - for standard input.") var file: String

    func validate() throws {
        guard ImportFormat(rawValue: format) != nil else { throw ValidationError("--format must be htpasswd, shadow or csv") }
    }

    func run() throws {
        let accounts = try global.accounts()
        let parser = ImportFormat(rawValue: format)!
        let text: String
        if file == "-" {
            var lines = [String]()
            while let l = readLine(strippingNewline: true) { lines.append(l) }
            text = lines.joined(separator: "\n")
        } else {
            do {
                text = try TextFile.read(file)
            } catch {
                Console.error("\(error)")
                throw Exit.failure
            }
        }
        var added = 0, bad = 0
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            guard let parsed = parser.parse(line) else { continue }
            do {
                let entry = try parsed.get()
                let email = try emailArgument(entry.email)
                try accounts.importUser(email, hash: entry.hash)
                added += 1
            } catch {
                bad += 1
                let reason: String
                switch error {
                case AccountError.userExists: reason = "user already exists"
                case AccountError.invalidField(_, let r): reason = r
                default: reason = "\(error)"
                }
                Console.error("line \(n + 1): \(reason)")
            }
        }
        Console.out("imported \(added) users, \(bad) lines refused")
        if bad > 0 { throw Exit.usage }
    }
}
