// Every config key: where it lives, what it means, how it is read and shown.
// One table drives decoding, unknown-key suggestions, the reload diff and the
// commented reference config, so they cannot drift apart.
import TOML

public struct KeySpec: Sendable {
    public let table: String
    public let key: String
    public let help: String
    let read: @Sendable (inout Config, TOMLNode) throws(UnitError) -> Void
    let show: @Sendable (Config) -> String

    public var dottedName: String { table.isEmpty ? key : "\(table).\(key)" }
    public func value(in config: Config) -> String { show(config) }
}

// MARK: value readers: each names the expected form in its error

func string(_ n: TOMLNode, _ what: String = "a string") throws(UnitError) -> String {
    guard case .string(let s) = n.value else { throw UnitError(message: "expected \(what), found \(n.value.typeName)") }
    return s
}

func duration(_ n: TOMLNode, min: Double, max: Double) throws(UnitError) -> Double {
    if case .integer(let i) = n.value {
        throw UnitError(message: "expected a duration string such as \"\(i)s\", found an integer; write the unit (s, m, h or d)")
    }
    let v = try Duration.parse(try string(n, "a duration string such as \"30s\""))
    guard v >= min, v <= max else {
        throw UnitError(message: "duration out of range; it must be between \(Duration.format(min)) and \(Duration.format(max))")
    }
    return v
}

func size(_ n: TOMLNode) throws(UnitError) -> UInt64 {
    if case .integer(let i) = n.value {
        throw UnitError(message: "expected a size string such as \"\(i)MiB\", found an integer; write the unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)")
    }
    return try Size.parse(try string(n, "a size string such as \"500MiB\""))
}

func share(_ n: TOMLNode) throws(UnitError) -> Double {
    if case .integer(let i) = n.value { throw UnitError(message: "expected a share string such as \"\(i)%\", found an integer") }
    return try Share.parse(try string(n, "a share string such as \"80%\""))
}

func amount(_ n: TOMLNode) throws(UnitError) -> Amount {
    if case .integer(let i) = n.value {
        throw UnitError(message: "expected a size such as \"\(i)MiB\" or a share such as \"\(i)%\", found an integer")
    }
    let s = try string(n, "a size such as \"1.2GiB\" or a share such as \"60%\"")
    if s.trimmingBlanks().hasSuffix("%") { return .share(try Share.parse(s)) }
    return .bytes(try Size.parse(s))
}

func integer(_ n: TOMLNode, min: Int64, max: Int64) throws(UnitError) -> Int {
    guard case .integer(let i) = n.value else { throw UnitError(message: "expected an integer, found \(n.value.typeName)") }
    guard i >= min, i <= max else { throw UnitError(message: "\(i) is out of range; it must be between \(min) and \(max)") }
    return Int(i)
}

func boolean(_ n: TOMLNode) throws(UnitError) -> Bool {
    guard case .boolean(let b) = n.value else {
        if case .string(let s) = n.value, s == "true" || s == "false" {
            throw UnitError(message: "expected a boolean, found a string; write \(s) without quotes")
        }
        throw UnitError(message: "expected a boolean (true or false), found \(n.value.typeName)")
    }
    return b
}

func stringArray(_ n: TOMLNode, what: String) throws(UnitError) -> [String] {
    guard case .array(let items) = n.value else {
        throw UnitError(message: "expected an array of strings such as \(what), found \(n.value.typeName)")
    }
    var out: [String] = []
    for item in items {
        guard case .string(let s) = item.value else {
            throw UnitError(message: "expected an array of strings such as \(what), found \(item.value.typeName) in it")
        }
        out.append(s)
    }
    return out
}

func absolutePath(_ n: TOMLNode) throws(UnitError) -> String {
    let s = try string(n, "an absolute path string")
    guard s.hasPrefix("/") else { throw UnitError(message: "`\(s)` is not an absolute path; write it starting with /") }
    return s
}

func quoted(_ list: [String]) -> String { "[" + list.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

// MARK: the schema

public enum Schema {
    public static let tables = ["", "node", "memory", "disk", "docker_logs", "journal", "bandwidth"]

    public static let keys: [KeySpec] = [
        KeySpec(table: "", key: "interval", help: "How often every check runs.",
                read: { (c, n) throws(UnitError) in c.interval = try duration(n, min: 1, max: 3600) },
                show: { Duration.format($0.interval) }),
        KeySpec(table: "", key: "dry_run", help: "Decide and log everything, change nothing (same as --dry-run).",
                read: { (c, n) throws(UnitError) in c.dryRun = try boolean(n) },
                show: { String($0.dryRun) }),
        KeySpec(table: "", key: "status_file", help: "Where the daemon writes its current view each cycle, for `nodeguard status`.",
                read: { (c, n) throws(UnitError) in c.statusFile = try absolutePath(n) },
                show: { $0.statusFile }),
        KeySpec(table: "", key: "state_directory", help: "Where state that must survive a restart or reboot is kept (restart history).",
                read: { (c, n) throws(UnitError) in c.stateDirectory = try absolutePath(n) },
                show: { $0.stateDirectory }),

        KeySpec(table: "node", key: "unit", help: "The node as a systemd unit; restarted through systemd's D-Bus API.",
                read: { (c, n) throws(UnitError) in
                    let u = try string(n, "a unit name such as \"dmo-node.service\"")
                    guard !u.isEmpty, !u.contains("/") else { throw UnitError(message: "`\(u)` is not a unit name; write it as \"name.service\"") }
                    c.node.unit = u.contains(".") ? u : u + ".service"
                },
                show: { $0.node.unit ?? "" }),
        KeySpec(table: "node", key: "pidfile", help: "The node as a process and its children, found through this pidfile.",
                read: { (c, n) throws(UnitError) in c.node.pidfile = try absolutePath(n) },
                show: { $0.node.pidfile ?? "" }),
        KeySpec(table: "node", key: "container", help: "The node as a Docker container (name or id); restarted through the Docker Engine API.",
                read: { (c, n) throws(UnitError) in
                    let v = try string(n, "a container name or id such as \"dmo-node\"")
                    guard !v.isEmpty, !v.contains("/"), !v.contains(" ") else { throw UnitError(message: "`\(v)` is not a container name or id (see `docker ps`)") }
                    c.node.container = v
                },
                show: { $0.node.container ?? "" }),
        KeySpec(table: "node", key: "docker_socket", help: "The Docker Engine API socket.",
                read: { (c, n) throws(UnitError) in c.node.dockerSocket = try absolutePath(n) },
                show: { $0.node.dockerSocket }),
        KeySpec(table: "node", key: "stop_timeout", help: "On a container restart, how long Docker waits for it to stop before killing it.",
                read: { (c, n) throws(UnitError) in c.node.stopTimeout = try duration(n, min: 0, max: 600) },
                show: { Duration.format($0.node.stopTimeout) }),
        KeySpec(table: "node", key: "restart_unhealthy_after", help: "Opt-in: restart the container when its HEALTHCHECK stays unhealthy this long; \"0s\": never.",
                read: { (c, n) throws(UnitError) in c.node.restartUnhealthyAfter = try duration(n, min: 0, max: 86400) },
                show: { Duration.format($0.node.restartUnhealthyAfter) }),
        KeySpec(table: "node", key: "restart_command", help: "Restart the node by running this argv (no shell) instead of through systemd.",
                read: { (c, n) throws(UnitError) in
                    let argv = try stringArray(n, what: "[\"/usr/bin/docker\", \"restart\", \"node\"]")
                    if let first = argv.first, !first.hasPrefix("/") {
                        throw UnitError(message: "the command `\(first)` must be an absolute path, as in \"/usr/bin/\(first)\"")
                    }
                    c.node.restartCommand = argv
                },
                show: { quoted($0.node.restartCommand) }),
        KeySpec(table: "node", key: "restart_timeout", help: "How long a restart (D-Bus call or command) may take before it counts as failed.",
                read: { (c, n) throws(UnitError) in c.node.restartTimeout = try duration(n, min: 1, max: 1800) },
                show: { Duration.format($0.node.restartTimeout) }),
        KeySpec(table: "node", key: "grace", help: "After a restart, memory rules wait this long before they may fire again.",
                read: { (c, n) throws(UnitError) in c.node.grace = try duration(n, min: 0, max: 86400) },
                show: { Duration.format($0.node.grace) }),
        KeySpec(table: "node", key: "max_restarts", help: "At most this many restarts per restart_window; then nodeguard stops restarting and logs at CRIT.",
                read: { (c, n) throws(UnitError) in c.node.maxRestarts = try integer(n, min: 1, max: 100) },
                show: { String($0.node.maxRestarts) }),
        KeySpec(table: "node", key: "restart_window", help: "The window max_restarts counts over.",
                read: { (c, n) throws(UnitError) in c.node.restartWindow = try duration(n, min: 60, max: 30 * 86400) },
                show: { Duration.format($0.node.restartWindow) }),

        KeySpec(table: "memory", key: "warn_above", help: "Warn when the node's resident anonymous memory stays above this (size, or share of RAM).",
                read: { (c, n) throws(UnitError) in c.memory.warnAbove = try amount(n) },
                show: { $0.memory.warnAbove.description }),
        KeySpec(table: "memory", key: "restart_above", help: "Restart the node when its resident anonymous memory stays above this (size, or share of RAM).",
                read: { (c, n) throws(UnitError) in c.memory.restartAbove = try amount(n) },
                show: { $0.memory.restartAbove.description }),
        KeySpec(table: "memory", key: "for", help: "How long a memory threshold must hold before it counts; never a single sample.",
                read: { (c, n) throws(UnitError) in c.memory.sustained = try duration(n, min: 0, max: 86400) },
                show: { Duration.format($0.memory.sustained) }),
        KeySpec(table: "memory", key: "for_cycles", help: "Instead of `for`: how many consecutive check cycles a memory threshold must hold (0: use `for`).",
                read: { (c, n) throws(UnitError) in c.memory.forCycles = try integer(n, min: 0, max: 10000) },
                show: { String($0.memory.forCycles) }),
        KeySpec(table: "memory", key: "host_available_warn_below", help: "Warn when the host's MemAvailable stays below this (size, or share of RAM).",
                read: { (c, n) throws(UnitError) in c.memory.hostAvailableWarnBelow = try amount(n) },
                show: { $0.memory.hostAvailableWarnBelow.description }),
        KeySpec(table: "memory", key: "host_available_below", help: "Restart the node when the host's MemAvailable stays below this floor.",
                read: { (c, n) throws(UnitError) in c.memory.hostAvailableBelow = try amount(n) },
                show: { $0.memory.hostAvailableBelow.description }),
        KeySpec(table: "memory", key: "trend_window", help: "The window the node's memory growth is fitted over for the leak warning.",
                read: { (c, n) throws(UnitError) in c.memory.trendWindow = try duration(n, min: 60, max: 7 * 86400) },
                show: { Duration.format($0.memory.trendWindow) }),

        KeySpec(table: "disk", key: "paths", help: "Mount points whose free space and inodes are checked.",
                read: { (c, n) throws(UnitError) in
                    let paths = try stringArray(n, what: "[\"/\", \"/var/lib/docker\"]")
                    for p in paths where !p.hasPrefix("/") { throw UnitError(message: "`\(p)` is not an absolute path; write it starting with /") }
                    c.disk.paths = paths
                },
                show: { quoted($0.disk.paths) }),
        KeySpec(table: "disk", key: "warn_free_below", help: "Warn when the free share of a filesystem falls below this.",
                read: { (c, n) throws(UnitError) in c.disk.warnFreeBelow = try share(n) },
                show: { Share.format($0.disk.warnFreeBelow) }),
        KeySpec(table: "disk", key: "critical_free_below", help: "Critical when the free share of a filesystem falls below this.",
                read: { (c, n) throws(UnitError) in c.disk.criticalFreeBelow = try share(n) },
                show: { Share.format($0.disk.criticalFreeBelow) }),
        KeySpec(table: "disk", key: "warn_free_bytes_below", help: "Warn when the free bytes of a filesystem fall below this.",
                read: { (c, n) throws(UnitError) in c.disk.warnFreeBytesBelow = try size(n) },
                show: { Size.format($0.disk.warnFreeBytesBelow).replacingSpaces() }),
        KeySpec(table: "disk", key: "critical_free_bytes_below", help: "Critical when the free bytes of a filesystem fall below this.",
                read: { (c, n) throws(UnitError) in c.disk.criticalFreeBytesBelow = try size(n) },
                show: { Size.format($0.disk.criticalFreeBytesBelow).replacingSpaces() }),
        KeySpec(table: "disk", key: "warn_inodes_free_below", help: "Warn when the free share of inodes falls below this.",
                read: { (c, n) throws(UnitError) in c.disk.warnInodesFreeBelow = try share(n) },
                show: { Share.format($0.disk.warnInodesFreeBelow) }),
        KeySpec(table: "disk", key: "critical_inodes_free_below", help: "Critical when the free share of inodes falls below this.",
                read: { (c, n) throws(UnitError) in c.disk.criticalInodesFreeBelow = try share(n) },
                show: { Share.format($0.disk.criticalInodesFreeBelow) }),
        KeySpec(table: "docker_logs", key: "enabled", help: "Watch the size of Docker's json-file logs and prune them over the limits.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.enabled = try boolean(n) },
                show: { String($0.dockerLogs.enabled) }),
        KeySpec(table: "docker_logs", key: "containers_dir", help: "Docker's containers directory (data-root/containers); nothing outside it is touched.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.containersDir = try absolutePath(n) },
                show: { $0.dockerLogs.containersDir }),
        KeySpec(table: "docker_logs", key: "max_per_container", help: "A container's logs, active and rotated together; \"0B\": no limit.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.maxPerContainer = try size(n) },
                show: { Size.format($0.dockerLogs.maxPerContainer).replacingSpaces() }),
        KeySpec(table: "docker_logs", key: "max_total", help: "All containers' logs together; \"0B\": no limit.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.maxTotal = try size(n) },
                show: { Size.format($0.dockerLogs.maxTotal).replacingSpaces() }),
        KeySpec(table: "docker_logs", key: "scan_interval", help: "How often the logs are measured (and pruned when over the limits).",
                read: { (c, n) throws(UnitError) in c.dockerLogs.scanInterval = try duration(n, min: 1, max: 86400) },
                show: { Duration.format($0.dockerLogs.scanInterval) }),
        KeySpec(table: "journal", key: "max_use", help: "Rotate and vacuum the journal when its files take more than this; \"0B\": never.",
                read: { (c, n) throws(UnitError) in c.journal.maxUse = try size(n) },
                show: { Size.format($0.journal.maxUse).replacingSpaces() }),
        KeySpec(table: "journal", key: "check_interval", help: "How often the journal's disk usage is measured.",
                read: { (c, n) throws(UnitError) in c.journal.checkInterval = try duration(n, min: 1, max: 86400) },
                show: { Duration.format($0.journal.checkInterval) }),
        KeySpec(table: "bandwidth", key: "enabled", help: "Count traffic per billing month and day.",
                read: { (c, n) throws(UnitError) in c.bandwidth.enabled = try boolean(n) },
                show: { String($0.bandwidth.enabled) }),
        KeySpec(table: "bandwidth", key: "interfaces", help: "Interfaces to count; empty: those carrying the default route (never lo).",
                read: { (c, n) throws(UnitError) in
                    let names = try stringArray(n, what: "[\"eth0\"]")
                    for name in names where name == "lo" { throw UnitError(message: "`lo` is loopback traffic, never billed; leave it out") }
                    for name in names where name.isEmpty || name.contains("/") || name.count > 15 {
                        throw UnitError(message: "`\(name)` is not an interface name (see `ip link`)")
                    }
                    c.bandwidth.interfaces = names
                },
                show: { quoted($0.bandwidth.interfaces) }),
        KeySpec(table: "bandwidth", key: "count", help: "What the provider bills: \"rx\", \"tx\" or \"both\".",
                read: { (c, n) throws(UnitError) in
                    let v = try string(n, "\"rx\", \"tx\" or \"both\"")
                    guard let mode = CountMode(rawValue: v) else { throw UnitError(message: "`\(v)` is not a count mode; use \"rx\", \"tx\" or \"both\"") }
                    c.bandwidth.count = mode
                },
                show: { $0.bandwidth.count.rawValue }),
        KeySpec(table: "bandwidth", key: "billing_day", help: "Day of the month the provider's quota resets, at local midnight (1-28).",
                read: { (c, n) throws(UnitError) in
                    if case .integer(let d) = n.value, (29...31).contains(d) {
                        throw UnitError(message: "\(d) is out of range: not every month has a day \(d); use 1-28 (a quota that resets on the last day of the month: use 1)")
                    }
                    c.bandwidth.billingDay = try integer(n, min: 1, max: 28)
                },
                show: { String($0.bandwidth.billingDay) }),
        KeySpec(table: "bandwidth", key: "quota", help: "Traffic allowed per billing month; \"0B\": no quota, accounting only.",
                read: { (c, n) throws(UnitError) in c.bandwidth.quota = try size(n) },
                show: { Size.format($0.bandwidth.quota).replacingSpaces() }),
        KeySpec(table: "bandwidth", key: "warn_at", help: "Warn once a month when traffic passes this share of the quota.",
                read: { (c, n) throws(UnitError) in c.bandwidth.warnAt = try share(n) },
                show: { Share.format($0.bandwidth.warnAt) }),
        KeySpec(table: "bandwidth", key: "action_at", help: "Run the action once a month when traffic passes this share of the quota.",
                read: { (c, n) throws(UnitError) in c.bandwidth.actionAt = try share(n) },
                show: { Share.format($0.bandwidth.actionAt) }),
        KeySpec(table: "bandwidth", key: "action", help: "\"none\", \"stop-node\", \"restart-node\", or a command as an argv (no shell).",
                read: { (c, n) throws(UnitError) in
                    if case .array = n.value {
                        let argv = try stringArray(n, what: "[\"/usr/local/bin/throttle\", \"on\"]")
                        guard let first = argv.first, first.hasPrefix("/") else {
                            throw UnitError(message: "the command must start with an absolute path, as in [\"/usr/local/bin/throttle\"]")
                        }
                        c.bandwidth.action = .command(argv); return
                    }
                    let v = try string(n, "\"none\", \"stop-node\", \"restart-node\" or a command array")
                    switch v {
                    case "none": c.bandwidth.action = .none
                    case "stop-node": c.bandwidth.action = .stopNode
                    case "restart-node": c.bandwidth.action = .restartNode
                    default:
                        let hint = Suggest.nearest(v, among: ["none", "stop-node", "restart-node"]).map { " (did you mean \"\($0)\"?)" } ?? ""
                        throw UnitError(message: "`\(v)` is not an action\(hint); use \"none\", \"stop-node\", \"restart-node\" or a command array such as [\"/usr/local/bin/throttle\"]")
                    }
                },
                show: { $0.bandwidth.action.description }),
        KeySpec(table: "bandwidth", key: "action_timeout", help: "How long the action may take before it counts as failed.",
                read: { (c, n) throws(UnitError) in c.bandwidth.actionTimeout = try duration(n, min: 1, max: 1800) },
                show: { Duration.format($0.bandwidth.actionTimeout) }),
        KeySpec(table: "bandwidth", key: "save_interval", help: "How often the counts are saved; a reboot can lose at most this much traffic.",
                read: { (c, n) throws(UnitError) in c.bandwidth.saveInterval = try duration(n, min: 1, max: 3600) },
                show: { Duration.format($0.bandwidth.saveInterval) }),
        KeySpec(table: "disk", key: "fill_rate_window", help: "The window the fill rate is measured over for \"full in ~N days\".",
                read: { (c, n) throws(UnitError) in c.disk.fillRateWindow = try duration(n, min: 60, max: 30 * 86400) },
                show: { Duration.format($0.disk.fillRateWindow) }),
    ]

    static func spec(table: String, key: String) -> KeySpec? {
        keys.first { $0.table == table && $0.key == key }
    }

    /// The keys whose shown value differs: "memory.restart_above 60% -> 1.2GiB".
    public static func changes(from old: Config, to new: Config) -> [String] {
        keys.compactMap { k in
            let a = k.value(in: old), b = k.value(in: new)
            return a == b ? nil : "\(k.dottedName) \(a.isEmpty ? "(unset)" : a) -> \(b.isEmpty ? "(unset)" : b)"
        }
    }
}
