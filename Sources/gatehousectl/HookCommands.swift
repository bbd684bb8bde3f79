import ArgumentParser
import GatehouseConfig
import GatehouseCore
import GatehouseCrypto
import GatehouseEvents
import GatehouseFiles
import GatehouseSystem
import GatehouseWebhook
import Logging

struct Hooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Account events for hook_exec and hook_url: deliver what is due, list them, retry dead letters, make a secret.",
        subcommands: [Deliver.self, List.self, Retry.self, Secret.self])

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deliver the events that are due to hook_exec and hook_url (run it from cron or a systemd timer).",
            discussion: "Exit status 1 when an event failed this time.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Try every spooled event now, whatever its back-off.") var all = false
        @Option(help: "Deliver this event now (repeatable); the responders hand their events over this way.") var id: [String] = []
        @Flag(help: "Return at once and deliver in a detached process (what the responders ask for).") var detach = false

        func run() throws {
            let config = try global.loadConfig()
            if detach { try detachFromCaller() }
            let logger = global.logger()
            let (delivery, unusable) = HookDelivery.configured(config, logger: logger)
            // A hand-off (--detach) leaves at once if a run is going: that
            // run takes its events. Anything else waits for it.
            let r = try perform { () throws -> Spool.Tally in
                if detach { return try delivery.drain(wait: false) }
                if !id.isEmpty { return try delivery.exclusively(wait: true) { delivery.deliver(ids: id) } ?? Spool.Tally() }
                if all { return try delivery.exclusively(wait: true) { delivery.deliverDue(force: true) } ?? Spool.Tally() }
                return try delivery.drain(wait: true)
            }
            Console.out("delivered \(r.sent), failed \(r.failed), moved to dead letters \(r.dead)")
            if let unusable { Console.error(unusable) }
            if r.failed + r.dead > 0 || unusable != nil { throw Exit.failure }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List spooled and dead events: sink, id, state, attempts, last error.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let dataDir = try global.loadConfig().dataDir
            for sink in HookSink.allCases {
                let spool = Spool.events(dataDir: dataDir, sink: sink)
                for e in spool.pending() { Console.out("\(sink.rawValue)\t\(e.id)\tqueued\t\(e.state.attempts)\t\(e.state.lastError)") }
                for e in spool.dead() { Console.out("\(sink.rawValue)\t\(e.id)\tdead\t\(e.state.attempts)\t\(e.state.lastError)") }
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move dead events (all, or one by id) back into their sinks' spools.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event id from `hooks list`.") var id: String?

        func run() throws {
            let dataDir = try global.loadConfig().dataDir
            let n = try perform { try HookSink.allCases.reduce(0) { $0 + (try Spool.events(dataDir: dataDir, sink: $1).retryDead(id)) } }
            if id != nil && n == 0 {
                Console.error("no such dead event")
                throw Exit.notFound
            }
            Console.out("requeued \(n)")
        }
    }

    struct Secret: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new signing secret for hook_secret_file (whsec_ and the base64 of 32 random bytes).")

        func run() throws {
            Console.out(WebhookSignature.newSecret(random: SystemRandom()))
        }
    }
}

extension HookDelivery {
    /// The configured sinks, each with its transport; the secret is read
    /// here and nowhere else. A secret that cannot be used holds back
    /// hook_url only (its events stay spooled, their attempts uncounted),
    /// never hook_exec; what is wrong with it is the second value.
    static func configured(_ config: Config, logger: Logger) -> (HookDelivery, unusable: String?) {
        var transports = [(sink: HookSink, transport: any HookTransport)]()
        var unusable: String?
        if !config.hookExec.isEmpty { transports.append((.exec, ExecHook(argv: config.hookExec, timeout: config.hookTimeout))) }
        if !config.hookUrl.isEmpty {
            do {
                let secret: String
                do {
                    secret = try TextFile.read(config.hookSecretFile).filter { !$0.isWhitespace }
                } catch {
                    throw SetupError(description: "hook_secret_file: \(error)")
                }
                transports.append((.url, WebhookTransport(url: config.hookUrl, signature: try WebhookSignature(secret: secret),
                                                          timeout: config.hookTimeout, clock: SystemClock())))
            } catch {
                unusable = "\(error); hook_url's events stay spooled"
                logger.error("\(unusable!)")
            }
        }
        return (HookDelivery(dataDir: config.dataDir, transports: transports, maxAttempts: config.hookMaxAttempts,
                             clock: SystemClock(), logger: logger), unusable)
    }
}
