import ArgumentParser
import GatehouseConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration, or print every key with its default and meaning.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print a commented gatehouse.conf with every key at its default.") var defaults = false
    @Flag(help: "Print the keys as a Markdown table (docs/configuration.md's).") var markdown = false

    func run() throws {
        if defaults {
            Console.out(ConfigDocs.sampleFile())
            return
        }
        if markdown {
            Console.out(ConfigDocs.markdownTable())
            return
        }
        let config = try global.loadConfig()
        Console.out("\(config.source): ok")
    }
}
