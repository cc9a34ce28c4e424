// `nodeguard config suggest`: the likely nodes among what runs, as [node.NAME]
// tables with thresholds from their memory now and the host's RAM, commented
// out, ready to paste. Pure: the services and the RAM come in, text goes out.

import NodeGuardKit
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

    /// restart_above: what the host can give the node, 75% of its RAM less
    /// what the other likely nodes use now, rounded down to 16 MiB and at
    /// least 256 MiB; warn_above at 80% of that. The node's own memory now
    /// plays no part: it may be a leak in progress, not its settled size.
    public static func thresholds(others: UInt64, ram: UInt64) -> (warn: UInt64, restart: UInt64) {
        let mib: UInt64 = 1 << 20
        let room = ram / 4 * 3
        var restart = room > others ? room - others : 0
        restart = max(256 * mib, restart / (16 * mib) * (16 * mib))
        return (restart / 10 * 8 / mib * mib, restart)
    }

    /// Whether Docker could be asked for its containers.
    public enum DockerSeen: Equatable, Sendable {
        case asked(socket: String)
        case notAsked(socket: String, why: String)
    }

    public static func text(_ found: [RunningService], ram: UInt64, docker: DockerSeen, limit: Int = 6) -> String {
        let nodes = Array(found.filter { !ignored.contains($0.name) && !$0.name.hasPrefix("systemd-") && $0.anonBytes >= minimumBytes }
            .sorted { $0.anonBytes > $1.anonBytes }.prefix(limit))
        var out = """
            # nodeguard config suggest: the likely nodes on this host (\(Size.format(ram)) of RAM).
            # Thresholds: restart_above is what the host can give each node, 75% of its RAM
            # less what the other nodes listed use now; warn_above is 80% of that. A node's own
            # memory now does not set them: it may be leaking. Nothing was changed. Review
            # them, paste what fits into /etc/nodeguard/nodeguard.toml without the leading
            # "# ", run `nodeguard config check`, then `systemctl reload nodeguard`.

            """
        if case .notAsked(let socket, let why) = docker {
            out += "#\n# Docker was not asked (\(socket): \(why)): no container is listed. Run as root, or pass\n# --docker-socket PATH where dockerd listens.\n"
        }
        if nodes.isEmpty {
            var what = "service"
            if case .asked = docker { what = "service or container" }
            return out + "#\n# No \(what) uses \(Size.format(minimumBytes)) or more of anonymous memory now;\n# start the node first, or write its [node.NAME] table by hand (see nodeguard.toml(5)).\n"
        }
        var names: Set<String> = []
        let total = nodes.reduce(0) { $0 + $1.anonBytes }
        for s in nodes {
            var name = NodeConfig.derivedName(unit: s.kind == .unit ? s.name : nil, container: s.kind == .container ? s.name : nil, pidfile: nil)
            while names.contains(name) { name += "-2" }
            names.insert(name)
            out += "\n# \(s.kind == .unit ? "service" : "container") \(s.name): \(Size.format(s.anonBytes)) of anonymous memory now\n"
            out += "# [node.\(name)]\n# \(s.kind == .unit ? "unit" : "container") = \"\(s.name)\"\n"
            if s.kind == .container, case .asked(let socket) = docker, socket != NodeConfig().dockerSocket {
                out += "# docker_socket = \"\(socket)\"\n"
            }
            guard ram > 0 else { out += "#   (this host's RAM is unknown: [memory]'s thresholds apply)\n"; continue }
            let t = thresholds(others: total - s.anonBytes, ram: ram)
            out += "# warn_above = \"\(t.warn >> 20)MiB\"\n# restart_above = \"\(t.restart >> 20)MiB\"\n"
            if s.anonBytes >= t.warn {
                out += "#   it uses \(Size.format(s.anonBytes)) already: if that is its settled size this host is too small\n"
                    + "#   for it beside the others; if it grows, it leaks (restart it, then run suggest again)\n"
            }
        }
        return out
    }
}
