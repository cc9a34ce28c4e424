// Every kind of check, one line each, in the order they run in a cycle, and
// the targets the config gives it. Adding a check: its file in Checks/ and
// one line here.

/// What checks are built from.
struct CheckSetting {
    let config: Config
    let root: HostRoot
    /// One a node, shared by the node's checks.
    let nodes: [NodeWatch]
    /// The guard's node of that name now (a reload may replace them).
    var nodeNamed: (String) -> NodeWatch? = { _ in nil }
    /// The guard's nodes now, for a check that outlives a reload.
    var currentNodes: () -> [NodeWatch] = { [] }

    /// The Docker sockets the container nodes use, each once.
    var dockerSockets: [String] { Set(nodes.filter { $0.config.container != nil }.map(\.config.dockerSocket)).sorted() }
}

public enum CheckRegistry {
    /// host_memory runs first (node thresholds given as a share of RAM need
    /// MemTotal); a node's restart_budget before its other checks (they see its
    /// re-arm); docker before the nodes (Docker back is said before a node down).
    static var kinds: [(kind: String, build: (CheckSetting) -> [Check])] {
        [
            ("host_memory", { [HostMemoryCheck($0.config, root: $0.root)] }),
            ("restart_budget", { $0.nodes.map(RestartBudgetCheck.init) }),
            ("docker", { s in s.dockerSockets.map { socket in
                DockerEngineCheck(socket: socket) { [current = s.currentNodes] in current().filter { $0.config.container != nil && $0.config.dockerSocket == socket } }
            } }),
            ("node_running", { $0.nodes.map(NodeRunningCheck.init) }),
            ("node_memory", { $0.nodes.map(NodeMemoryCheck.init) }),
            ("container_health", { $0.nodes.filter { $0.config.container != nil }.map(ContainerHealthCheck.init) }),
            ("chain", { s in s.nodes.compactMap { ChainLivenessCheck($0, interval: s.config.interval, nodeNamed: s.nodeNamed) } }),
            ("disk", { s in s.config.disk.paths.map { DiskCheck($0, s.config.disk, root: s.root) } }),
            ("docker_logs", { [DockerLogsCheck($0.config.dockerLogs)] }),
            ("journal", { [JournalCheck($0.config.journal, root: $0.root)] }),
            ("bandwidth", { [BandwidthCheck($0.config.bandwidth, stateDirectory: $0.config.stateDirectory, root: $0.root)] }),
        ]
    }

    static func build(_ s: CheckSetting) -> [Check] { kinds.flatMap { $0.build(s) } }

    /// Every name the status view's CHECK column and NODEGUARD_CHECK use, and
    /// what it watches: the documents list these (a test holds them to it).
    public static let checkNames: [(name: String, what: String)] = [
        ("host_memory", "the host's MemAvailable against its warning and its floor"),
        ("swap", "swap in use"),
        ("memory_pressure", "the kernel's memory pressure (PSI some and full)"),
        ("restart_budget", "a node's restarts in its window, its grace and the restart limit"),
        ("docker", "whether Docker answers on a container node's socket"),
        ("node_running", "whether a node runs (unit active, container running, pidfile process alive)"),
        ("node_memory", "a node's resident anonymous memory against warn_above and restart_above"),
        ("node_memory_trend", "the leak warning: a node's memory growing along a straight line (events only)"),
        ("container_health", "a container node's HEALTHCHECK status"),
        ("chain", "a node's chain liveness over its RPC: height, peers, lag"),
        ("disk_free", "a filesystem's free space and its fill rate"),
        ("disk_inodes", "a filesystem's free inodes"),
        ("docker_logs", "the size of Docker's json-file logs, pruned over the limits"),
        ("journal", "journald's disk usage, vacuumed over max_use"),
        ("bandwidth", "the billing month's traffic against the quota"),
        ("then_restart", "a dependent restarted after its node (events only)"),
        ("state", "nodeguard's state directory (events only)"),
        ("status_file", "nodeguard's status file (events only)"),
    ]

    /// A reload: a check whose kind and target are still configured keeps
    /// what it learnt (alarms, trends, ledgers) and takes the new settings;
    /// the others are built afresh.
    static func rebuild(_ old: [Check], _ s: CheckSetting) -> [Check] {
        build(s).map { fresh in
            guard let kept = old.first(where: { $0.kind == fresh.kind && $0.target == fresh.target && sameNode($0, fresh) }) else { return fresh }
            kept.update(s.config)
            return kept
        }
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
extension RestartBudgetCheck: NodeCheck {}
extension NodeRunningCheck: NodeCheck {}
extension NodeMemoryCheck: NodeCheck {}
extension ContainerHealthCheck: NodeCheck {}
extension ChainLivenessCheck: NodeCheck {}
