#if canImport(Glibc)
import Glibc
#endif
import GatehouseConfig
import GatehouseSystem
import Logging

/// Mail (SMTP and sendmail) and account events are delivered by a detached
/// `gatehousectl mail|hooks deliver --detach --id …` beside this
/// executable, after the response: only gatehousectl links libcurl, and no
/// worker waits for a mail server or a site's hook (a slow one would tie
/// up every worker, and a busy worker would tell an attacker that the
/// address has an account). What it cannot deliver stays spooled for the
/// next `deliver`.
package enum HandOff {
    /// `what`: "mail" or "hooks". Waits only for the detached child's fork.
    package static func deliver(_ what: String, ids: [String], config: Config, timeout: Int, logger: Logger) {
        guard let dir = Config.executableDirectory() else { return }
        var argv = [dir + "/gatehousectl", what, "deliver", "--detach"]
        // A relative path (gatehousectl --config ./x.conf) made absolute:
        // the detached child must read the same file.
        if let path = realpath(config.source, nil) {
            argv += ["--config", String(cString: path)]
            free(path)
        }
        for id in ids { argv += ["--id", id] }
        if let problem = Subprocess.run(argv, timeout: timeout) {
            logger.warning("\(what) hand-off: \(problem); left in the spool")
        }
    }
}
