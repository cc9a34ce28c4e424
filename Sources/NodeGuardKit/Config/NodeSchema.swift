// The keys of a node table, [node.NAME] (or 0.1.0's single [node]): one table
// drives decoding, the reference config, the manual and the reload diff.
import TOML

public typealias NodeKeySpec = TableKeySpec<NodeConfig>

func unitName(_ n: TOMLNode) throws(UnitError) -> String {
    let u = try string(n, "a unit name such as \"dmo-node.service\"")
    // systemd's own limit (UNIT_NAME_MAX); checked first, on bytes, so a name 1 MiB long costs nothing.
    guard u.utf8.count <= 256 else { throw UnitError(message: "`\(u)` is longer than systemd's 256 characters for a unit name") }
    guard !u.isEmpty, !u.utf8.contains(UInt8(ascii: "/")), !u.utf8.contains(UInt8(ascii: " ")) else {
        throw UnitError(message: "`\(u)` is not a unit name; write it as \"name.service\"")
    }
    return u.contains(".") ? u : u + ".service"
}

func containerName(_ n: TOMLNode) throws(UnitError) -> String {
    let v = try string(n, "a container name or id such as \"dmo-node\"")
    guard !v.isEmpty, v.utf8.count <= 256, !v.utf8.contains(UInt8(ascii: "/")), !v.utf8.contains(UInt8(ascii: " ")) else {
        throw UnitError(message: "`\(v)` is not a container name or id (see `docker ps`)")
    }
    return v
}

extension Schema {
    /// The memory keys a node may set for itself; unset, [memory]'s apply.
    static let nodeMemoryKeys: Set<String> = ["warn_above", "restart_above", "for", "for_cycles", "trend_window"]

    /// A node table's keys: what it is and how it is restarted, then its chain liveness.
    public static let nodeKeys: [NodeKeySpec] = baseNodeKeys + livenessKeys + [producerAPIKey]

    static let baseNodeKeys: [NodeKeySpec] = [
        NodeKeySpec(key: "unit", help: "The node as a systemd unit; restarted through systemd's D-Bus API.",
                read: { (c: inout NodeConfig, n) throws(UnitError) in c.unit = try unitName(n) },
                show: { $0.unit ?? "" }),
        NodeKeySpec(key: "pidfile", help: "The node as a process and its children, found through this pidfile.",
                read: { (c: inout NodeConfig, n) throws(UnitError) in c.pidfile = try absolutePath(n) },
                show: { $0.pidfile ?? "" }),
        NodeKeySpec(key: "container", help: "The node as a Docker container (name or id); restarted through the Docker Engine API.",
                read: { (c: inout NodeConfig, n) throws(UnitError) in c.container = try containerName(n) },
                show: { $0.container ?? "" }),
        NodeKeySpec(key: "docker_socket", help: "The Docker Engine API socket.",
                read: { (c: inout NodeConfig, n) throws(UnitError) in c.dockerSocket = try absolutePath(n) },
                show: { $0.dockerSocket }),
        NodeKeySpec(key: "stop_timeout", help: "On a container restart, how long Docker waits for it to stop before killing it.",
                range: .seconds(0...600), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.stopTimeout = try r.seconds(n) },
                show: { TimeSpan.format($0.stopTimeout) }),
        NodeKeySpec(key: "restart_unhealthy_after", help: "Opt-in: restart the container when its HEALTHCHECK stays unhealthy this long; \"0s\": never.",
                range: .seconds(0...86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.restartUnhealthyAfter = try r.seconds(n) },
                show: { TimeSpan.format($0.restartUnhealthyAfter) }),
        NodeKeySpec(key: "restart_command", help: "Restart the node by running this argv (no shell) instead of through systemd.",
                read: { (c: inout NodeConfig, n) throws(UnitError) in
                    let argv = try stringArray(n, what: "[\"/usr/bin/docker\", \"restart\", \"node\"]")
                    if let first = argv.first, !first.hasPrefix("/") {
                        throw UnitError(message: "the command `\(first)` must be an absolute path, as in \"/usr/bin/\(first)\"")
                    }
                    c.restartCommand = argv
                },
                show: { quoted($0.restartCommand) }),
        NodeKeySpec(key: "restart_timeout", help: "How long a restart (D-Bus call or command) may take before it counts as failed.",
                range: .seconds(1...1800), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.restartTimeout = try r.seconds(n) },
                show: { TimeSpan.format($0.restartTimeout) }),
        NodeKeySpec(key: "grace", help: "After a restart, memory rules wait this long before they may fire again.",
                range: .seconds(0...86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.grace = try r.seconds(n) },
                show: { TimeSpan.format($0.grace) }),
        NodeKeySpec(key: "max_restarts", help: "At most this many restarts per restart_window; then nodeguard stops restarting and logs at CRIT.",
                range: .integers(1...100), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.maxRestarts = try r.integer(n) },
                show: { String($0.maxRestarts) }),
        NodeKeySpec(key: "restart_window", help: "The window max_restarts counts over.",
                range: .seconds(60...30 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.restartWindow = try r.seconds(n) },
                show: { TimeSpan.format($0.restartWindow) }),
        NodeKeySpec(key: "warn_above", help: "Warn when this node's resident anonymous memory stays above this; unset: [memory] warn_above.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.warnAbove = try amount(n) },
                    show: { $0.warnAbove?.description ?? "" }),
        NodeKeySpec(key: "restart_above", help: "Restart this node when its resident anonymous memory stays above this; unset: [memory] restart_above.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.restartAbove = try amount(n) },
                    show: { $0.restartAbove?.description ?? "" }),
        NodeKeySpec(key: "for", help: "How long this node's memory thresholds must hold; unset: [memory] for.",
                    range: .seconds(0...86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.sustained = try r.seconds(n) },
                    show: { $0.sustained.map(TimeSpan.format) ?? "" }),
        NodeKeySpec(key: "for_cycles", help: "Instead of `for`: how many consecutive cycles this node's thresholds must hold.",
                    range: .integers(0...10000), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.forCycles = try r.integer(n) },
                    show: { $0.forCycles.map(String.init) ?? "" }),
        NodeKeySpec(key: "trend_window", help: "The window this node's memory growth is fitted over; unset: [memory] trend_window.",
                    range: .seconds(60...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.trendWindow = try r.seconds(n) },
                    show: { $0.trendWindow.map(TimeSpan.format) ?? "" }),
        NodeKeySpec(key: "then_restart", help: "Restart these after the node, in order, once it is back: units for a unit node, containers for a container node.",
                    // Names only here: a unit node's get their .service once
                    // the whole table is read (see KeyRelations).
                    read: { (c: inout NodeConfig, n) throws(UnitError) in
                        c.thenRestart = []
                        for item in try stringArray(n, what: "[\"dmo-bridge\", \"dmo-web\"]") {
                            c.thenRestart.append(try containerName(TOMLNode(.string(item), at: n.position)))
                        }
                    },
                    show: { quoted($0.thenRestart) }),
        NodeKeySpec(key: "start_when_down", help: "Start the node when it is found not running, within its restart budget.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.startWhenDown = try boolean(n) },
                    show: { String($0.startWhenDown) }),
    ]

    static func nodeSpec(_ key: String) -> NodeKeySpec? { nodeKeys.first { $0.key == key } }
}
