import GatehouseConfig
import GatehouseCrypto
import GatehouseEvents
import Logging

extension EventSpool {
    /// The sinks the configuration names (hook_exec, hook_url); with none,
    /// publishing does nothing. Hand-off goes to a detached `gatehousectl
    /// hooks deliver`.
    package convenience init(config: Config, logger: Logger, random: RandomSource = SystemRandom()) {
        var sinks = [HookSink]()
        if !config.hookExec.isEmpty { sinks.append(.exec) }
        if !config.hookUrl.isEmpty { sinks.append(.url) }
        self.init(dataDir: config.dataDir, sinks: sinks, reserve: config.diskReserve, random: random, logger: logger,
                  handoff: { ids in HandOff.deliver("hooks", ids: ids, config: config, timeout: config.hookTimeout + 5, logger: logger) })
    }
}
