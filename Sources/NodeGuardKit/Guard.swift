// The loop's one cycle: the host's rules (memory, disks), each node on its
// own (GuardNodes), the checks that own their cadence (Docker logs, the
// journal, bandwidth), a disk at critical reclaimed and measured again, the
// restarts carried out by the nodes' actuators, then the events and the view.
// The daemon runs it in its loop; `nodeguard check` runs it once without acting.
#if canImport(Glibc)
import Glibc
#endif

public final class Guard {
    public private(set) var config: Config
    public let root: HostRoot
    /// The host's rules (memory, disks); each node has its own, in `nodes`.
    public internal(set) var rules: Rules
    /// One watch a node, in the config's order.
    public internal(set) var nodes: [NodeWatch] = []
    public internal(set) var view = StatusView()
    /// Called while a restart command runs, so the daemon keeps its watchdog fed.
    public var whileWaiting: () -> Void = {}
    let forceDryRun: Bool
    let emit: (Event) -> Void
    var actions: [ActionRecord] = []
    var stateProblemLogged = false
    var statusProblemLogged = false
    let dockerLogs: DockerLogsCheck
    let journal: JournalCheck
    /// Traffic per billing month; its ledger is saved to state_directory/bandwidth.
    let bandwidth: BandwidthCheck

    public var dryRun: Bool { forceDryRun || config.dryRun }

    public init(config: Config, root: HostRoot = HostRoot(), forceDryRun: Bool = false, emit: @escaping (Event) -> Void) {
        self.config = config
        self.root = root
        self.forceDryRun = forceDryRun
        self.emit = emit
        rules = Rules(config: config)
        nodes = config.nodes.map { NodeWatch($0, limits: config.limits(of: $0), root: root) }
        dockerLogs = DockerLogsCheck(config.dockerLogs)
        journal = JournalCheck(config.journal, root: root)
        bandwidth = BandwidthCheck(config.bandwidth, stateDirectory: config.stateDirectory, root: root, emit: emit)
        // The quota's action is carried out by the nodes' actuators.
        bandwidth.quotaAction = { [unowned self] used, projection, fields, cycle in
            self.quotaAction(used: used, projection: projection, fields: fields, &cycle)
        }
    }

    public func node(named name: String) -> NodeWatch? { nodes.first { $0.name == name } }

    // MARK: probes

    public func sample() -> Sample {
        Sample(host: HostMemoryProbe.read(root), disks: config.disk.paths.map { ($0, DiskProbe.read($0, root: root)) })
    }

    // MARK: one cycle

    @discardableResult
    public func runCycle(now: Now = Now.read(), act: Bool = true) -> StatusView {
        let s = sample()
        let anyInGrace = nodes.contains { $0.actuator.policy.inGrace(now: now.wall) }
        var d = rules.evaluate(s, now: now, nodesInGrace: anyInGrace)
        let (nodeChecks, restarts) = evaluateNodes(hostTotal: (try? s.host.get())?.total, hostFloor: d.hostFloor, now: now, into: &d)

        var cycle = Cycle(now: now, act: act, dryRun: dryRun, whileWaiting: whileWaiting)
        for check in [dockerLogs, journal] as [Check] { check.run(&cycle) }
        d.checks += cycle.checks
        cycle.checks = []
        reclaim(d.disksToReclaim, &cycle, into: &d)
        bandwidth.run(&cycle)
        d.events += cycle.events
        d.checks += cycle.checks
        for a in cycle.actions { record(a) }

        if act {
            for r in restarts { d.events.append(contentsOf: restartNode(r, now: now)) }
        }
        for e in d.events { emit(e) }

        view.updated = now.wall
        view.interval = config.interval
        view.dryRun = dryRun
        view.checks = nodeChecks + d.checks
        view.actions = actions
        view.summary = summary(s, now: now)
        KeptOpen.sweep()
        return view
    }

    func record(_ a: ActionRecord) {
        actions.append(a)
        if actions.count > 20 { actions.removeFirst(actions.count - 20) }
    }

    // MARK: reload

    /// Applies a new config; returns what changed, "key old -> new".
    public func apply(_ new: Config) -> [String] {
        let changes = Schema.changes(from: config, to: new)
        dockerLogs.update(new.dockerLogs)
        journal.update(new.journal)
        let old = config
        config = new
        rules.apply(new)
        bandwidth.update(new.bandwidth, stateDirectory: new.stateDirectory)
        // A node keeps what was learnt (restart history, alarms, trend) under its name.
        nodes = new.nodes.map { n in
            guard let watch = node(named: n.name), let was = old.node(named: n.name) else {
                let watch = NodeWatch(n, limits: new.limits(of: n), root: root)
                watch.actuator.restore(from: new.stateDirectory)
                return watch
            }
            watch.update(n, limits: new.limits(of: n), old: was, oldLimits: old.limits(of: was))
            return watch
        }
        return changes
    }
}
