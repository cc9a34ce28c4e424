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
    /// The values it takes, when bounded: its reader enforces it, the manual shows it.
    public var range: KeyRange? = nil

    public var dottedName: String { table.isEmpty ? key : "\(table).\(key)" }
    public func value(in config: Config) -> String { show(config) }
}

extension KeySpec {
    /// A bounded key: its reader is given the range to read with.
    init(table: String, key: String, help: String, range: KeyRange,
         read: @escaping @Sendable (inout Config, TOMLNode, KeyRange) throws(UnitError) -> Void, show: @escaping @Sendable (Config) -> String) {
        self.init(table: table, key: key, help: help, read: { (c, n) throws(UnitError) in try read(&c, n, range) }, show: show, range: range)
    }
}

/// A key of a table that can appear many times, read into its own value:
/// a node ([node.NAME]) or a notification target ([[notify]]).
public struct TableKeySpec<Target>: Sendable {
    public let key: String
    public let help: String
    let read: @Sendable (inout Target, TOMLNode) throws(UnitError) -> Void
    let show: @Sendable (Target) -> String
    public var range: KeyRange? = nil
    public func value(in target: Target) -> String { show(target) }

    init(key: String, help: String, read: @escaping @Sendable (inout Target, TOMLNode) throws(UnitError) -> Void,
         show: @escaping @Sendable (Target) -> String) {
        self.key = key; self.help = help; self.read = read; self.show = show
    }

    init(key: String, help: String, range: KeyRange,
         read: @escaping @Sendable (inout Target, TOMLNode, KeyRange) throws(UnitError) -> Void, show: @escaping @Sendable (Target) -> String) {
        self.init(key: key, help: help, read: { (t, n) throws(UnitError) in try read(&t, n, range) }, show: show)
        self.range = range
    }
}

/// The values a bounded key takes, as data on its spec.
public enum KeyRange: Equatable, Sendable {
    case seconds(ClosedRange<Double>)
    case integers(ClosedRange<Int64>)

    /// "1m and 7d": as the reader's error and the manual say it.
    public var text: String {
        switch self {
        case .seconds(let r): return "\(TimeSpan.format(r.lowerBound)) and \(TimeSpan.format(r.upperBound))"
        case .integers(let r): return "\(r.lowerBound) and \(r.upperBound)"
        }
    }

    func seconds(_ n: TOMLNode) throws(UnitError) -> Double {
        guard case .seconds(let r) = self else { preconditionFailure("a duration read with \(self)") }
        return try duration(n, min: r.lowerBound, max: r.upperBound)
    }

    func integer(_ n: TOMLNode) throws(UnitError) -> Int {
        guard case .integers(let r) = self else { preconditionFailure("an integer read with \(self)") }
        return try NodeGuardKit.integer(n, min: r.lowerBound, max: r.upperBound)
    }
}

// MARK: value readers: each names the expected form in its error

func string(_ n: TOMLNode, _ what: String = "a string") throws(UnitError) -> String {
    guard case .string(let s) = n.value else { throw UnitError(message: "expected \(what), found \(n.value.typeName)") }
    return s
}

func duration(_ n: TOMLNode, min: Double, max: Double) throws(UnitError) -> Double {
    if case .integer(let i) = n.value {
        // The hint is a value the key takes: the same number in seconds only when in range.
        let hint = Double(i) >= min && Double(i) <= max ? "\(i)s" : TimeSpan.example(min...max)
        throw UnitError(message: "expected a duration string such as \"\(hint)\", found an integer; write the unit (ms, s, m, h or d)")
    }
    let v = try TimeSpan.parse(try string(n, "a duration string such as \"30s\""), range: min...max)
    guard v >= min, v <= max else {
        throw UnitError(message: "duration out of range; it must be between \(TimeSpan.format(min)) and \(TimeSpan.format(max))")
    }
    return v
}

func size(_ n: TOMLNode) throws(UnitError) -> UInt64 {
    if case .integer(let i) = n.value {
        throw UnitError(message: "expected a size string such as \"\(i > 0 ? i : 500)MiB\", found an integer; write the unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)")
    }
    return try Size.parse(try string(n, "a size string such as \"500MiB\""))
}

func share(_ n: TOMLNode) throws(UnitError) -> Double {
    if case .integer(let i) = n.value { throw UnitError(message: "expected a share string such as \"\((0...100).contains(i) ? i : 80)%\", found an integer") }
    return try Share.parse(try string(n, "a share string such as \"80%\""))
}

func amount(_ n: TOMLNode) throws(UnitError) -> Amount {
    if case .integer(let i) = n.value {
        // A share of RAM is at most 100%: 150 is offered only as a size.
        let share = (1...100).contains(i) ? " or a share such as \"\(i)%\"" : " or a share such as \"60%\""
        throw UnitError(message: "expected a size such as \"\(i > 0 ? i : 500)MiB\"\(share), found an integer")
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
    public static let tables = ["", "node", "producer", "memory", "disk", "docker_logs", "journal", "bandwidth", "metrics", "notify", "heartbeat"]

    public static let keys: [KeySpec] = [
        KeySpec(table: "", key: "interval", help: "How often every check runs.",
                range: .seconds(1...3600), read: { (c, n, r) throws(UnitError) in c.interval = try r.seconds(n) },
                show: { TimeSpan.format($0.interval) }),
        KeySpec(table: "", key: "producer_every", help: "How often the producer groups ([producer.ACCOUNT]) are judged, whatever `interval` is: the loop wakes as often as this while there is a group; the other checks keep `interval`.",
                range: .seconds(0.5...60), read: { (c, n, r) throws(UnitError) in c.producerEvery = try r.seconds(n) },
                show: { TimeSpan.format($0.producerEvery) }),
        KeySpec(table: "", key: "dry_run", help: "Decide and log everything, change nothing (same as --dry-run).",
                read: { (c, n) throws(UnitError) in c.dryRun = try boolean(n) },
                show: { String($0.dryRun) }),
        KeySpec(table: "", key: "status_file", help: "Where the daemon writes its current view each cycle, for `nodeguard status`.",
                read: { (c, n) throws(UnitError) in c.statusFile = try absolutePath(n) },
                show: { $0.statusFile }),
        KeySpec(table: "", key: "state_directory", help: "Where state that must survive a restart or reboot is kept (restart history).",
                read: { (c, n) throws(UnitError) in c.stateDirectory = try absolutePath(n) },
                show: { $0.stateDirectory }),

        KeySpec(table: "memory", key: "warn_above", help: "Warn when a node's resident anonymous memory stays above this (size, or share of RAM); a node may set its own.",
                read: { (c, n) throws(UnitError) in c.memory.warnAbove = try amount(n) },
                show: { $0.memory.warnAbove.description }),
        KeySpec(table: "memory", key: "restart_above", help: "Restart a node when its resident anonymous memory stays above this (size, or share of RAM); a node may set its own.",
                read: { (c, n) throws(UnitError) in c.memory.restartAbove = try amount(n) },
                show: { $0.memory.restartAbove.description }),
        KeySpec(table: "memory", key: "for", help: "How long a memory threshold must hold before it counts; never a single sample.",
                range: .seconds(0...86400), read: { (c, n, r) throws(UnitError) in c.memory.sustained = try r.seconds(n) },
                show: { TimeSpan.format($0.memory.sustained) }),
        KeySpec(table: "memory", key: "for_cycles", help: "Instead of `for`: how many consecutive check cycles a memory threshold must hold (0: use `for`).",
                range: .integers(0...10000), read: { (c, n, r) throws(UnitError) in c.memory.forCycles = try r.integer(n) },
                show: { String($0.memory.forCycles) }),
        KeySpec(table: "memory", key: "host_available_warn_below", help: "Warn when the host's MemAvailable stays below this (size, or share of RAM).",
                read: { (c, n) throws(UnitError) in c.memory.hostAvailableWarnBelow = try amount(n) },
                show: { $0.memory.hostAvailableWarnBelow.description }),
        KeySpec(table: "memory", key: "host_available_below", help: "Restart a node (see host_floor_restarts) when the host's MemAvailable stays below this floor.",
                read: { (c, n) throws(UnitError) in c.memory.hostAvailableBelow = try amount(n) },
                show: { $0.memory.hostAvailableBelow.description }),
        KeySpec(table: "memory", key: "host_floor_restarts", help: "Which node the host floor restarts: \"largest\" (the most anonymous memory among those that may be restarted), \"none\", or names in order.",
                read: { (c, n) throws(UnitError) in
                    if case .array = n.value { c.memory.hostFloorRestarts = .inOrder(try stringArray(n, what: "[\"failover\", \"producer\"]")); return }
                    switch try string(n, "\"largest\", \"none\" or an array of node names") {
                    case "largest": c.memory.hostFloorRestarts = .largest
                    case "none": c.memory.hostFloorRestarts = .none
                    case let v: throw UnitError(message: "`\(v)` is not a choice; use \"largest\", \"none\" or node names in order, such as [\"failover\", \"producer\"]")
                    }
                },
                show: { $0.memory.hostFloorRestarts.description }),
        KeySpec(table: "memory", key: "trend_window", help: "The window a node's memory growth is fitted over for the leak warning.",
                range: .seconds(60...7 * 86400), read: { (c, n, r) throws(UnitError) in c.memory.trendWindow = try r.seconds(n) },
                show: { TimeSpan.format($0.memory.trendWindow) }),

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
        KeySpec(table: "docker_logs", key: "max_per_container", help: "A container's logs, active and rotated together; \"0B\": no limit. An active log over it alone has its head cut, its last half of this kept; between scans a log can pass it by what it writes in one scan_interval.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.maxPerContainer = try size(n) },
                show: { Size.format($0.dockerLogs.maxPerContainer).replacingSpaces() }),
        KeySpec(table: "docker_logs", key: "max_total", help: "All containers' logs together; \"0B\": no limit.",
                read: { (c, n) throws(UnitError) in c.dockerLogs.maxTotal = try size(n) },
                show: { Size.format($0.dockerLogs.maxTotal).replacingSpaces() }),
        KeySpec(table: "docker_logs", key: "scan_interval", help: "How often the logs are measured (and pruned when over the limits). Checks run every `interval`, so this rounds up to a whole number of intervals (\"5s\" with an interval of \"2s\": every 6s).",
                range: .seconds(1...86400), read: { (c, n, r) throws(UnitError) in c.dockerLogs.scanInterval = try r.seconds(n) },
                show: { TimeSpan.format($0.dockerLogs.scanInterval) }),
        KeySpec(table: "journal", key: "max_use", help: "Rotate and vacuum the journal when its files take more than this; \"0B\": never.",
                read: { (c, n) throws(UnitError) in c.journal.maxUse = try size(n) },
                show: { Size.format($0.journal.maxUse).replacingSpaces() }),
        KeySpec(table: "journal", key: "check_interval", help: "How often the journal's disk usage is measured. Checks run every `interval`, so this rounds up to a whole number of intervals (\"5s\" with an interval of \"2s\": every 6s).",
                range: .seconds(1...86400), read: { (c, n, r) throws(UnitError) in c.journal.checkInterval = try r.seconds(n) },
                show: { TimeSpan.format($0.journal.checkInterval) }),
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
                range: .integers(1...28), read: { (c, n, r) throws(UnitError) in
                    if case .integer(let d) = n.value, (29...31).contains(d) {
                        throw UnitError(message: "\(d) is out of range: not every month has a day \(d); use 1-28 (a quota that resets on the last day of the month: use 1)")
                    }
                    c.bandwidth.billingDay = try r.integer(n)
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
        KeySpec(table: "bandwidth", key: "action_nodes", help: "The nodes stop-node and restart-node act on; empty: every node.",
                read: { (c, n) throws(UnitError) in c.bandwidth.actionNodes = try stringArray(n, what: "[\"dmo\"]") },
                show: { quoted($0.bandwidth.actionNodes) }),
        KeySpec(table: "bandwidth", key: "action_timeout", help: "How long the action may take before it counts as failed.",
                range: .seconds(1...1800), read: { (c, n, r) throws(UnitError) in c.bandwidth.actionTimeout = try r.seconds(n) },
                show: { TimeSpan.format($0.bandwidth.actionTimeout) }),
        KeySpec(table: "bandwidth", key: "save_interval", help: "How often the counts are saved; a reboot can lose at most this much traffic.",
                range: .seconds(1...3600), read: { (c, n, r) throws(UnitError) in c.bandwidth.saveInterval = try r.seconds(n) },
                show: { TimeSpan.format($0.bandwidth.saveInterval) }),
        KeySpec(table: "disk", key: "fill_rate_window", help: "The window the fill rate is measured over for \"full in ~N days\".",
                range: .seconds(60...30 * 86400), read: { (c, n, r) throws(UnitError) in c.disk.fillRateWindow = try r.seconds(n) },
                show: { TimeSpan.format($0.disk.fillRateWindow) }),
        KeySpec(table: "metrics", key: "textfile", help: "Write Prometheus metrics to this file each cycle, for node_exporter's textfile collector (its --collector.textfile.directory; Debian's is /var/lib/prometheus/node-exporter). The unit may write only there: another directory needs a drop-in with ReadWritePaths=.",
                read: { (c, n) throws(UnitError) in
                    let path = try absolutePath(n)
                    guard path.hasSuffix(".prom"), !path.hasSuffix("/.prom") else {
                        throw UnitError(message: "`\(path)` does not end in NAME.prom; node_exporter's textfile collector reads only *.prom files")
                    }
                    c.metrics.textfile = path
                },
                show: { $0.metrics.textfile }),
    ] + heartbeatKeys

    static func spec(table: String, key: String) -> KeySpec? {
        keys.first { $0.table == table && $0.key == key }
    }

    /// The keys whose shown value differs: "memory.restart_above 60% -> 1.2GiB".
    public static func changes(from old: Config, to new: Config) -> [String] {
        func change(_ name: String, _ a: String, _ b: String) -> String? {
            a == b ? nil : "\(name) \(a.isEmpty ? "(unset)" : a) -> \(b.isEmpty ? "(unset)" : b)"
        }
        var out = keys.compactMap { k in change(k.dottedName, k.value(in: old), k.value(in: new)) }
        for n in new.nodes {
            guard let was = old.node(named: n.name) else { out.append("node.\(n.name) added (\(n.target))"); continue }
            out += nodeKeys.compactMap { k in change("node.\(n.name).\(k.key)", k.value(in: was), k.value(in: n)) }
        }
        for n in old.nodes where new.node(named: n.name) == nil { out.append("node.\(n.name) removed") }
        return out + producerChanges(from: old, to: new) + notifyChanges(from: old, to: new)
    }
}
