// The commented reference config: every key, its default and what it does.
// Shipped as /etc/nodeguard/nodeguard.toml and printed by `nodeguard config defaults`.

public enum ReferenceConfig {
    static let examples: [String: String] = [
        "node.unit": "\"dmo-node.service\"",
        "node.pidfile": "\"/run/dmo-node.pid\"",
        "node.container": "\"dmo-node\"",
        "node.restart_command": "[\"/usr/local/bin/restart-node\", \"--graceful\"]",
        "bandwidth.interfaces": "[\"eth0\"]",
    ]

    /// A shown value in TOML syntax.
    static func literal(_ shown: String) -> String {
        if shown == "true" || shown == "false" || shown.hasPrefix("[") || (!shown.isEmpty && shown.allSatisfy(\.isNumber)) { return shown }
        return "\"\(shown.replacingSpaces())\""
    }

    public static func text() -> String {
        let defaults = Config()
        var out = """
        # nodeguard configuration (see nodeguard.toml(5)).
        # Every key is optional: the commented value is the default, which fits a
        # 2 GB VPS. Sizes: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB ("1.2GiB").
        # Shares: "80%". Durations: s, m, h, d ("30s", "10m", "6h", "7d").
        # Check a change with `nodeguard config check`, apply it with
        # `systemctl reload nodeguard`.

        """
        for table in Schema.tables {
            if !table.isEmpty { out += "\n[\(table)]\n" }
            for k in Schema.keys where k.table == table {
                let shown = k.value(in: defaults)
                if shown.isEmpty || shown == "[]" {
                    out += "\n# \(k.help) Not set by default.\n"
                    out += "# \(k.key) = \(examples[k.dottedName] ?? "\"\"")\n"
                } else {
                    out += "\n# \(k.help)\n"
                    out += "# \(k.key) = \(literal(shown))\n"
                }
            }
        }
        return out
    }
}
