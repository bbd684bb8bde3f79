/// Documentation generated from the settings table.
package enum ConfigDocs {
    package static func sampleFile() -> String {
        var out = "# gatehouse.conf — every key with its default. Lines starting with # are comments.\n"
        for s in Settings.all {
            out += "\n# \(s.help)\n#\(s.key) = \(s.defaultValue)\n"
        }
        return out
    }

    /// The Markdown table of docs/configuration.md.
    package static func markdownTable() -> String {
        var out = "| key | default | meaning |\n|---|---|---|\n"
        for s in Settings.all {
            out += "| `\(s.key)` | `\(s.defaultValue)` | \(s.help) |\n"
        }
        return out
    }
}
