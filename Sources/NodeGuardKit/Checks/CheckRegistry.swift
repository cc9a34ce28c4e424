// Every kind of check, one line each, in the order they run in a cycle.
// Adding a check: its file in Checks/, with its declaration, and one line
// here. What a check declares is all reporting, the metrics, the man page
// and the restart counters know of it.

/// A kind of check as it declares itself: its readings (their names, words
/// and figures), the restart reasons it can count for a node, the counters
/// it keeps, and how it is built from the config.
public struct CheckDeclaration: Sendable {
    public let kind: String
    public let readings: [ReadingKind]
    /// The reasons it may restart `node` for under `config`, as the
    /// restart counters name them ("chain_stalled").
    let reasons: @Sendable (NodeConfig, Config) -> [String]
    public let counters: [FreedCounter]
    let build: @Sendable (CheckSetting) -> [Check]

    public init(_ kind: String, readings: [ReadingKind], counters: [FreedCounter] = [],
                reasons: @escaping @Sendable (NodeConfig, Config) -> [String] = { _, _ in [] },
                build: @escaping @Sendable (CheckSetting) -> [Check]) {
        self.kind = kind; self.readings = readings; self.counters = counters; self.reasons = reasons; self.build = build
    }
}

/// What checks are built from.
public struct CheckSetting {
    public let config: Config
    public let root: HostRoot
    /// One a node, shared by the node's checks.
    let nodes: [NodeWatch]
    /// The guard's node of that name now (a reload may replace them).
    var nodeNamed: (String) -> NodeWatch? = { _ in nil }
    /// The guard's nodes now, for a check that outlives a reload.
    var currentNodes: () -> [NodeWatch] = { [] }

    /// The Docker sockets the container nodes use, each once.
    var dockerSockets: [String] { Set(nodes.filter { $0.config.container != nil }.map(\.config.dockerSocket)).sorted() }
}

public struct CheckRegistry: Sendable {
    public let declarations: [CheckDeclaration]

    /// host_memory runs first (node thresholds given as a share of RAM need
    /// MemTotal); a node's restart_budget before its other checks (they see its
    /// re-arm); docker before the nodes (Docker back is said before a node down).
    public static let standard = CheckRegistry([
        HostMemoryCheck.declaration,
        RestartBudgetCheck.declaration,
        DockerEngineCheck.declaration,
        NodeRunningCheck.declaration,
        NodeMemoryCheck.declaration,
        ContainerHealthCheck.declaration,
        ChainLivenessCheck.declaration,
        DiskCheck.declaration,
        DockerLogsCheck.declaration,
        JournalCheck.declaration,
        BandwidthCheck.declaration,
        ProducerCheck.declaration,
    ])

    public init(_ declarations: [CheckDeclaration]) { self.declarations = declarations }

    /// The registry with one more check, run after the others.
    public func adding(_ d: CheckDeclaration) -> CheckRegistry { CheckRegistry(declarations + [d]) }

    func build(_ s: CheckSetting) -> [Check] { declarations.flatMap { $0.build(s) } }

    /// Every name the status view's CHECK column and NODEGUARD_CHECK use, and
    /// what it watches: the checks' readings, then the names only events
    /// carry. The man page lists these (a test holds it to them).
    public var checkNames: [(name: String, what: String)] {
        (declarations.flatMap(\.readings) + EventNames.all).map { ($0.name, $0.what) }
    }

    /// The reasons the config lets nodeguard restart a node for, named as
    /// the checks that ask (chain liveness by its problem), in the checks' order.
    public func reasons(of node: NodeConfig, in config: Config) -> [String] {
        declarations.flatMap { $0.reasons(node, config) }
    }

    public var counters: [FreedCounter] { declarations.flatMap(\.counters) }

    /// A reload: a check whose kind and target are still configured keeps
    /// what it learnt (alarms, trends, ledgers) and takes the new settings;
    /// the others are built afresh (`fresh` says which).
    func rebuild(_ old: [Check], _ s: CheckSetting) -> (checks: [Check], fresh: [Check]) {
        var fresh: [Check] = []
        let checks = build(s).map { new in
            guard let kept = old.first(where: { $0.kind == new.kind && $0.target == new.target && Self.sameNode($0, new) }) else {
                fresh.append(new)
                return new
            }
            kept.update(s.config)
            return kept
        }
        return (checks, fresh)
    }

    /// A node check stays only with the same node watch (a node renamed is a new node).
    static func sameNode(_ a: Check, _ b: Check) -> Bool {
        guard let x = (a as? NodeCheck)?.node, let y = (b as? NodeCheck)?.node else { return true }
        return x === y
    }
}

/// A check of one node.
protocol NodeCheck: Check {
    var node: NodeWatch { get }
}

/// A counter of bytes a check freed, kept across restarts (Counters).
public final class FreedCounter: Sendable, Hashable {
    /// Its name in the counters file: "docker_logs".
    public let key: String
    public let name: String
    public let help: String
    public init(_ key: String, _ name: String, help: String) { self.key = key; self.name = name; self.help = help }
    public static func == (a: FreedCounter, b: FreedCounter) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
}
