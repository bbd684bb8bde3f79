import GatehouseConfig
import GatehouseSystem
import Logging

/// SMTP and sendmail delivery run in a detached `gatehousectl mail deliver
/// --detach --id …` beside this executable, after the response: only
/// gatehousectl links libcurl, and no worker waits for a mail server (a
/// slow relay would tie up every worker, and a busy worker would tell an
/// attacker that the address has an account). What it cannot send stays
/// queued for the next `mail deliver`.
func handOff(_ ids: [String], config: Config, logger: Logger) {
    guard let dir = Config.executableDirectory() else { return }
    var argv = [dir + "/gatehousectl", "mail", "deliver", "--detach"]
    if config.source.hasPrefix("/") { argv += ["--config", config.source] }
    for id in ids { argv += ["--id", id] }
    if let problem = Subprocess.run(argv, timeout: config.mailTimeout + 5) {
        logger.warning("mail hand-off: \(problem); left in the outbox")
    }
}
