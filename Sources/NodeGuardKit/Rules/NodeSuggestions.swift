// `nodeguard config suggest`: the likely nodes among what runs, as [node.NAME]
// tables with thresholds from their memory now and the host's RAM, commented
// out, ready to paste. Pure: the services and the RAM come in, text goes out.

public enum NodeSuggestions {
    /// Services that are never a node: the system's own, Docker's, nodeguard.
    static let ignored: Set<String> = [
        "systemd-journald.service", "systemd-logind.service", "systemd-udevd.service", "systemd-resolved.service",
        "systemd-networkd.service", "systemd-timesyncd.service", "dbus.service", "docker.service", "containerd.service",
        "ssh.service", "sshd.service", "cron.service", "rsyslog.service", "nodeguard.service", "polkit.service",
        "unattended-upgrades.service", "networkd-dispatcher.service", "snapd.service", "qemu-guest-agent.service",
    ]

    /// Nodes use memory: a service under this is not suggested.
    public static let minimumBytes: UInt64 = 64 << 20

    /// restart_above: half again what it uses now (at least 256 MiB more),
    /// never over 80% of RAM; warn_above at 80% of that.
    public static func thresholds(anon: UInt64, ram: UInt64) -> (warn: UInt64, restart: UInt64) {
        let mib: UInt64 = 1 << 20
        var restart = max(anon + anon / 2, anon + 256 * mib)
        if ram > 0 { restart = min(restart, ram / 10 * 8) }
        restart = (restart + 16 * mib - 1) / (16 * mib) * (16 * mib)   // a round figure
        return (restart / 10 * 8 / mib * mib, restart)
    }

    public static func text(_ found: [RunningService], ram: UInt64, limit: Int = 6) -> String {
        let nodes = found.filter { !ignored.contains($0.name) && !$0.name.hasPrefix("systemd-") && $0.anonBytes >= minimumBytes }
            .sorted { $0.anonBytes > $1.anonBytes }.prefix(limit)
        var out = """
            # nodeguard config suggest: the likely nodes on this host (\(Size.format(ram)) of RAM), with
            # thresholds from the memory they use now. Nothing was changed. Review them,
            # paste what fits into /etc/nodeguard/nodeguard.toml without the leading "# ",
            # run `nodeguard config check`, then `systemctl reload nodeguard`.

            """
        if nodes.isEmpty {
            return out + "#\n# No service or container uses \(Size.format(minimumBytes)) or more of anonymous memory now;\n# start the node first, or write its [node.NAME] table by hand (see nodeguard.toml(5)).\n"
        }
        var names: Set<String> = []
        for s in nodes {
            var name = NodeConfig.derivedName(unit: s.kind == .unit ? s.name : nil, container: s.kind == .container ? s.name : nil, pidfile: nil)
            while names.contains(name) { name += "-2" }
            names.insert(name)
            let t = thresholds(anon: s.anonBytes, ram: ram)
            out += "\n# \(s.kind == .unit ? "service" : "container") \(s.name): \(Size.format(s.anonBytes)) of anonymous memory now\n"
            out += "# [node.\(name)]\n# \(s.kind == .unit ? "unit" : "container") = \"\(s.name)\"\n"
            out += "# warn_above = \"\(t.warn >> 20)MiB\"\n# restart_above = \"\(t.restart >> 20)MiB\"\n"
        }
        return out
    }
}
