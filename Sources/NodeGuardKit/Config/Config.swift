// The configuration: typed values with embedded defaults that fit a 2 GB VPS.
import TOML

/// A memory or disk amount given either in bytes or as a share of a total.
public enum Amount: Equatable, Sendable, CustomStringConvertible {
    case bytes(UInt64)
    case share(Double)

    public func bytes(of total: UInt64) -> UInt64 {
        switch self {
        case .bytes(let b): return b
        case .share(let s): return UInt64((Double(total) * s).rounded())
        }
    }

    public var description: String {
        switch self {
        case .bytes(let b): return Size.format(b).replacingSpaces()
        case .share(let s): return Share.format(s)
        }
    }

    /// In a message, each threshold once: "64 MiB", or "60% (1.2 GiB)" for a share.
    public func said(_ resolved: UInt64) -> String {
        switch self {
        case .bytes: return Size.format(resolved)
        case .share(let s): return "\(Share.format(s)) (\(Size.format(resolved)))"
        }
    }
}

/// One node: a process nodeguard guards, under the operator's name for it.
public struct NodeConfig: Equatable, Sendable {
    /// `dmo` of [node.dmo]; for a 0.1.0 [node] table, taken from its target.
    public var name = ""
    /// Written as 0.1.0's single [node] table.
    public var inLegacyTable = false
    /// Where the node is written, for messages: "[node.dmo]", or "[node]".
    public var table: String { inLegacyTable ? "[node]" : "[node.\(name)]" }
    /// The node as a systemd unit, restarted through D-Bus.
    public var unit: String? = nil
    /// The node as a process tree, found through its pidfile.
    public var pidfile: String? = nil
    /// The node as a Docker container (name or id), through the Engine API.
    public var container: String? = nil
    public var dockerSocket = "/var/run/docker.sock"
    /// How long Docker waits for the container to stop before killing it on restart.
    public var stopTimeout: Double = 30
    /// Opt-in: restart a container whose HEALTHCHECK stays unhealthy this long; 0: never.
    public var restartUnhealthyAfter: Double = 0
    /// Restart through this argv instead (no shell).
    public var restartCommand: [String] = []
    public var restartTimeout: Double = 90
    public var grace: Double = 600
    public var maxRestarts: Int = 3
    public var restartWindow: Double = 6 * 3600
    /// The node's own memory keys; nil: the value in [memory].
    public var warnAbove: Amount? = nil
    public var restartAbove: Amount? = nil
    public var sustained: Double? = nil
    public var forCycles: Int? = nil
    public var trendWindow: Double? = nil
    /// Services restarted after the node, in order, once it is back: units
    /// for a unit node, containers for a container node.
    public var thenRestart: [String] = []
    /// Start the node when it is found not running (through the restart budget).
    public var startWhenDown = false
    /// Chain liveness over the node's RPC; off unless `rpc` is set.
    public var liveness = LivenessConfig()
    /// A producer group member's producer API, as written (its origin); nil: rpc_url's origin.
    public var producerAPI: String? = nil

    public init(name: String = "") { self.name = name }

    public var isConfigured: Bool { unit != nil || pidfile != nil || container != nil }
    /// What the node is to the host: its unit, container or pidfile.
    public var target: String { unit ?? container ?? pidfile ?? "none" }

    /// A 0.1.0 [node] table's name: its unit without .service, its
    /// container, or its pidfile's base name without .pid.
    public static func derivedName(unit: String?, container: String?, pidfile: String?) -> String {
        var name = "node"
        if let u = unit {
            name = u.hasSuffix(".service") ? String(u.dropLast(8)) : u
        } else if let c = container {
            name = c
        } else if let p = pidfile, let base = p.split(separator: "/").last {
            name = base.hasSuffix(".pid") ? String(base.dropLast(4)) : String(base)
        }
        let clean = String(name.map { isNameCharacter($0) ? $0 : "-" })
        return clean.isEmpty ? "node" : clean
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".")
    }
}

/// A node's memory thresholds with [memory]'s defaults filled in.
public struct NodeLimits: Equatable, Sendable {
    public var warnAbove: Amount
    public var restartAbove: Amount
    /// Seconds a threshold must hold (`for`, or `for_cycles` x interval).
    public var sustained: Double
    public var trendWindow: Double
}

/// Which node the host floor restarts.
public enum HostFloorRestarts: Equatable, Sendable, CustomStringConvertible {
    /// The node with the most anonymous memory that may be restarted.
    case largest
    case none
    /// The first of these that may be restarted.
    case inOrder([String])

    public var description: String {
        switch self {
        case .largest: return "largest"
        case .none: return "none"
        case .inOrder(let names): return "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
    }
}

public struct MemoryConfig: Equatable, Sendable {
    public var warnAbove: Amount = .share(0.50)
    public var restartAbove: Amount = .share(0.60)
    /// How long a memory threshold must hold before it counts (from `for`,
    /// or `for_cycles` times the interval).
    public var sustained: Double = 180
    /// `for_cycles` as written; 0 when `for` is used.
    public var forCycles: Int = 0
    public var hostAvailableWarnBelow: Amount = .share(0.15)
    public var hostAvailableBelow: Amount = .share(0.08)
    public var trendWindow: Double = 3600
    public var hostFloorRestarts = HostFloorRestarts.largest
}

public struct DiskConfig: Equatable, Sendable {
    public var paths: [String] = ["/"]
    public var warnFreeBelow: Double = 0.15
    public var criticalFreeBelow: Double = 0.05
    public var warnFreeBytesBelow: UInt64 = 2 * 1_073_741_824
    public var criticalFreeBytesBelow: UInt64 = 512 * 1_048_576
    public var warnInodesFreeBelow: Double = 0.10
    public var criticalInodesFreeBelow: Double = 0.03
    public var fillRateWindow: Double = 6 * 3600
}

/// An action the operator configures (bandwidth.action): what to do when
/// the month's traffic reaches bandwidth.action_at.
public enum OperatorAction: Equatable, Sendable, CustomStringConvertible {
    case none, stopNode, restartNode
    case command([String])

    public var description: String {
        switch self {
        case .none: return "none"
        case .stopNode: return "stop-node"
        case .restartNode: return "restart-node"
        case .command(let argv): return "[" + argv.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        }
    }
}

public struct BandwidthConfig: Equatable, Sendable {
    public var enabled = true
    /// Empty: the interfaces that carry the default route.
    public var interfaces: [String] = []
    public var count = CountMode.both
    public var billingDay = 1
    /// 0: no quota, accounting and projections only.
    public var quota: UInt64 = 0
    public var warnAt = 0.80
    public var actionAt = 0.95
    public var action = OperatorAction.none
    public var actionTimeout: Double = 60
    public var saveInterval: Double = 300
    /// The nodes stop-node and restart-node act on; empty: every node.
    public var actionNodes: [String] = []
}

public struct DockerLogsConfig: Equatable, Sendable {
    public var enabled = true
    public var containersDir = "/var/lib/docker/containers"
    /// A container's logs, active and rotated together; 0: no limit.
    public var maxPerContainer: UInt64 = 100 * 1_048_576
    /// All containers' logs together; 0: no limit.
    public var maxTotal: UInt64 = 1 << 30
    public var scanInterval: Double = 60
}

public struct JournalConfig: Equatable, Sendable {
    /// Vacuum above this; 0: never.
    public var maxUse: UInt64 = 500 * 1_048_576
    public var checkInterval: Double = 600
}

/// The node_exporter textfile nodeguard writes each cycle; empty: none.
public struct MetricsConfig: Equatable, Sendable {
    public var textfile = ""
}

public struct Config: Equatable, Sendable {
    /// What the operator should know about a valid file (a default that
    /// conflicts with a set key on this host): `config check` says it, the daemon logs it.
    public var notes: [ConfigProblem] = []
    public var interval: Double = 10
    public var dryRun = false
    public var statusFile = "/run/nodeguard/status.json"
    public var stateDirectory = "/var/lib/nodeguard"
    /// The nodes, in the order the config names them.
    public var nodes: [NodeConfig] = []
    public var memory = MemoryConfig()
    public var disk = DiskConfig()
    public var bandwidth = BandwidthConfig()
    public var dockerLogs = DockerLogsConfig()
    public var journal = JournalConfig()
    public var metrics = MetricsConfig()
    /// [[notify]] targets, in the order the config names them.
    public var notify: [NotifyTarget] = []
    public var heartbeat = HeartbeatConfig()
    /// [producer.ACCOUNT] groups, in the order the config names them.
    public var producers: [ProducerGroup] = []
    /// How often the producer groups are judged, whatever `interval` is.
    public var producerEvery: Double = 1

    public init() {}

    /// The group `node` is a member of.
    public func producerGroup(of node: String) -> ProducerGroup? { producers.first { $0.nodes.contains(node) } }

    public static let defaultPath = "/etc/nodeguard/nodeguard.toml"

    /// A node's thresholds: its own keys, else [memory]'s.
    public func limits(of node: NodeConfig) -> NodeLimits {
        // memory.sustained already holds [memory]'s for_cycles x interval.
        let cycles = node.forCycles.flatMap { $0 > 0 ? Double($0) * interval : nil }
        return NodeLimits(warnAbove: node.warnAbove ?? memory.warnAbove,
                          restartAbove: node.restartAbove ?? memory.restartAbove,
                          sustained: cycles ?? node.sustained ?? memory.sustained,
                          trendWindow: node.trendWindow ?? memory.trendWindow)
    }

    public func node(named name: String) -> NodeConfig? { nodes.first { $0.name == name } }

    /// One line for `config check` and the start-up event.
    public var summary: String {
        var parts = ["interval \(TimeSpan.format(interval))"]
        if nodes.count == 1, let node = nodes.first {
            let l = limits(of: node)
            parts.append("node \(node.name) (\(node.target)) restart above \(l.restartAbove) for \(TimeSpan.format(l.sustained)), at most \(node.maxRestarts) per \(TimeSpan.format(node.restartWindow))")
        } else if nodes.isEmpty {
            parts.append("no node configured (host checks only)")
        } else {
            parts.append("\(nodes.count) nodes: " + nodes.map { "\($0.name) (\($0.target))" }.joined(separator: ", "))
        }
        parts.append("host available floor \(memory.hostAvailableBelow)")
        parts.append("disk \(disk.paths.joined(separator: " "))")
        if bandwidth.enabled {
            let ifs = bandwidth.interfaces.isEmpty ? "default-route interfaces" : bandwidth.interfaces.joined(separator: " ")
            parts.append("bandwidth on \(ifs) from day \(bandwidth.billingDay)" + (bandwidth.quota > 0 ? ", quota \(Size.formatDecimal(bandwidth.quota))" : ""))
        }
        if dryRun { parts.append("dry run") }
        return Printable.cutLongWords(parts.joined(separator: ", "))
    }
}

extension String {
    func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
