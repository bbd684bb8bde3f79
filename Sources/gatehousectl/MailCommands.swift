#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import GatehouseCore
import GatehouseCrypto
import GatehouseMail
import GatehouseSMTP
import GatehouseApp
import GatehouseConfig

extension GlobalOptions {
    /// The mail set-up of the configuration, with its own transport (SMTP
    /// too: this program links libcurl), for commands that mail.
    func mailService(_ config: Config) throws -> MailService {
        try perform { () throws -> MailService in
            let settings = try MailSettings(config: config)
            var smtp: MailTransport?
            if case .smtp(let relay) = settings.delivery { smtp = SMTPTransport(relay: relay) }
            return try MailService(settings: settings, clock: SystemClock(), random: SystemRandom(), logger: logger(), smtp: smtp)
        }
    }
}

struct Mail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The outbox: deliver what is due, list it, retry dead letters.",
        subcommands: [Deliver.self, List.self, Retry.self])

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the messages that are due (run it from cron or a systemd timer).",
            discussion: "Exit status 1 when a message failed this time.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Try every queued message now, whatever its back-off.") var all = false
        @Option(help: "Deliver this message now (repeatable); the responders hand their mail over this way.") var id: [String] = []
        @Flag(help: "Return at once and deliver in a detached process (what the responders ask for).") var detach = false

        func run() throws {
            let config = try global.loadConfig()
            if detach { try detachFromCaller() }
            let service = try global.mailService(config)
            let r = id.isEmpty ? service.deliverDue(force: all) : service.deliver(ids: id)
            Console.out("sent \(r.sent), failed \(r.failed), moved to dead letters \(r.dead)")
            if r.failed + r.dead > 0 { throw Exit.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued and dead messages: id, state, attempts, last error.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let outbox = Outbox(dataDir: try global.loadConfig().dataDir)
            for e in outbox.pending() {
                Console.out("\(e.id)\tqueued\t\(e.state.attempts)\t\(e.state.lastError)")
            }
            for e in outbox.dead() {
                Console.out("\(e.id)\tdead\t\(e.state.attempts)\t\(e.state.lastError)")
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move dead letters (all, or one by id) back into the queue.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Message id from `mail list`.") var id: String?

        func run() throws {
            let outbox = Outbox(dataDir: try global.loadConfig().dataDir)
            let n = try perform { try outbox.retryDead(id) }
            if id != nil && n == 0 {
                Console.error("no such dead letter")
                throw Exit.notFound
            }
            Console.out("requeued \(n)")
        }
    }
}
