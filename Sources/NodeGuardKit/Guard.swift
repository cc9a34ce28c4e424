#if canImport(Glibc)
import Glibc
#endif

// One check cycle, the whole pipeline in order:
// probes read the host -> rules decide -> actions change it -> reporting.
// The daemon runs it in its loop; `nodeguard check` runs it once without acting.

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
    /// Bandwidth accounting state, saved to state_directory/bandwidth.
    public internal(set) var ledger = BandwidthLedger()
    var ledgerSavedAt = -Double.infinity
    var ledgerProblemLogged = false
    var bandwidthProjection: BandwidthProjection?
    let networkCache = NetworkProbe.Cache()
    var dockerLogsView: CheckView?
    var dockerLogsTotal: UInt64 = 0
    let dockerLogsCache = DockerLogsProbe.Cache()
    var dockerLogsScannedAt = -Double.infinity
    /// The default containers directory did not exist at the last scan.
    var dockerAbsent = false
    var journalView: CheckView?
    var journalCheckedAt = -Double.infinity
    var journalAfterVacuum: UInt64?
    var calendar: BillingCalendar

    public var dryRun: Bool { forceDryRun || config.dryRun }

    public init(config: Config, root: HostRoot = HostRoot(), forceDryRun: Bool = false, emit: @escaping (Event) -> Void) {
        self.config = config
        self.root = root
        self.forceDryRun = forceDryRun
        self.emit = emit
        rules = Rules(config: config)
        calendar = BillingCalendar(billingDay: config.bandwidth.billingDay)
        nodes = config.nodes.map { NodeWatch($0, limits: config.limits(of: $0), root: root) }
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

        checkDockerLogs(now: now, act: act, into: &d)
        checkJournal(now: now, act: act, into: &d)

        // A disk at critical: reclaim what nodeguard can there first (Docker
        // logs, the journal), measure again, and only then log CRIT.
        for path in d.disksToReclaim {
            var summary = ""
            if act {
                let (events, s) = reclaimSpace(onFilesystemOf: path, now: now)
                d.events.append(contentsOf: events)
                summary = s
            }
            let reclaimed = summary.isEmpty ? "nothing nodeguard can reclaim there (no Docker logs or journal on that filesystem)" : summary
            rules.confirmDiskCritical(DiskProbe.read(path, root: root), path: path, reclaimed: reclaimed, now: now, into: &d)
        }

        if config.bandwidth.enabled { accountBandwidth(now: now, act: act, into: &d) }

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
        // New log limits or directory: measured at the next cycle, not after scan_interval.
        if new.dockerLogs != config.dockerLogs { dockerLogsScannedAt = -Double.infinity; dockerLogsView = nil; dockerAbsent = false }
        let old = config
        config = new
        rules.apply(new)
        calendar = BillingCalendar(billingDay: new.bandwidth.billingDay)
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
