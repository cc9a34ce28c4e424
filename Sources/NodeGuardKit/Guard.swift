#if canImport(Glibc)
import Glibc
#endif

// One check cycle, the whole pipeline in order:
// probes read the host -> rules decide -> actions change it -> reporting.
// The daemon runs it in its loop; `nodeguard check` runs it once without acting.

public final class Guard {
    public private(set) var config: Config
    public let root: HostRoot
    public internal(set) var rules: Rules
    public private(set) var view = StatusView()
    /// Called while a restart command runs, so the daemon keeps its watchdog fed.
    public var whileWaiting: () -> Void = {}
    let forceDryRun: Bool
    let emit: (Event) -> Void
    var unitCgroup: NodeMemoryProbe.UnitCgroup?
    var actions: [ActionRecord] = []
    var stateProblemLogged = false
    var statusProblemLogged = false
    /// Bandwidth accounting state, saved to state_directory/bandwidth.
    public internal(set) var ledger = BandwidthLedger()
    var ledgerSavedAt = -Double.infinity
    var ledgerProblemLogged = false
    var bandwidthProjection: BandwidthProjection?
    let networkCache = NetworkProbe.Cache()
    /// The node's container as Docker last described it, and where its memory is.
    /// The cgroup is nil where it is not visible (nodeguard in a container or
    /// an nspawn machine): then the memory comes from Docker's stats.
    var container: (info: ContainerInfo, cgroup: NodeMemoryProbe.UnitCgroup?, at: Double)?
    var dockerEngine: DockerEngine?
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
    }

    // MARK: probes

    public func sample() -> Sample {
        var node: Result<NodeMemory, ProbeError>? = nil
        if let unit = config.node.unit {
            switch NodeMemoryProbe.readUnit(unit, root: root, cached: unitCgroup) {
            case .success(let (mem, path)): unitCgroup = path; node = .success(mem)
            case .failure(let e): unitCgroup = nil; node = .failure(e)
            }
        } else if let pidfile = config.node.pidfile {
            node = NodeMemoryProbe.readPidfile(pidfile, root: root)
        } else if let name = config.node.container {
            node = containerMemory(name)
        }
        return Sample(host: HostMemoryProbe.read(root), node: node,
                      disks: config.disk.paths.map { ($0, DiskProbe.read($0, root: root)) },
                      nodeHealth: config.node.container != nil ? container?.info.health : nil)
    }

    // MARK: one cycle

    @discardableResult
    public func runCycle(now: Now = Now.read(), act: Bool = true) -> StatusView {
        let s = sample()
        var d = rules.evaluate(s, now: now)

        checkDockerLogs(now: now, act: act, into: &d)
        checkJournal(now: now, act: act, into: &d)

        // A disk at critical: reclaim what nodeguard can there first (Docker
        // logs, the journal), measure again, and only then log CRIT.
        for path in d.disksToReclaim {
            var summary = ""
            if act {
                let (events, s) = reclaimSpace(onFilesystemOf: path)
                d.events.append(contentsOf: events)
                summary = s
            }
            let reclaimed = summary.isEmpty ? "nothing nodeguard can reclaim there (no Docker logs or journal on that filesystem)" : summary
            rules.confirmDiskCritical(DiskProbe.read(path, root: root), path: path, reclaimed: reclaimed, now: now, into: &d)
        }

        if config.bandwidth.enabled { accountBandwidth(now: now, act: act, into: &d) }

        if act, let request = d.restart {
            d.events.append(restartNode(request, now: now))
        }
        for e in d.events { emit(e) }

        view.updated = now.wall
        view.interval = config.interval
        view.dryRun = dryRun
        view.checks = d.checks
        view.actions = actions
        view.summary = Guard.summary(s, config: config, rules: rules, bandwidth: config.bandwidth.enabled ? bandwidthProjection : nil,
                                     dockerLogs: dockerLogsView != nil ? dockerLogsTotal : nil, now: now, dryRun: dryRun)
        KeptOpen.sweep()
        return view
    }

    func restartNode(_ r: RestartRequest, now: Now) -> Event {
        let node = config.node
        let how = !node.restartCommand.isEmpty ? node.restartCommand.joined(separator: " ")
            : node.container != nil ? "the Docker Engine API" : "systemd RestartUnit"
        var fields: [(String, String)] = [("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("TARGET", node.name)]
        let event: Event
        if dryRun {
            event = Event(.restartDryRun, "would restart \(node.name) (dry run, through \(how)): \(r.reason)",
                          fields: fields + [("ACTION", "would-restart")])
            record(ActionRecord(wall: now.wall, action: "would restart", target: node.name, outcome: "dry run"))
        } else {
            let outcome = performRestart()
            fields.append(("ACTION", "restart"))
            fields.append(("OUTCOME", outcome.detail))
            event = outcome.succeeded
                ? Event(.restart, "restarting \(node.name): \(r.reason); \(outcome.detail)", fields: fields)
                : Event(.restartFailed, "restart of \(node.name) failed: \(outcome.detail) (\(r.reason))", fields: fields)
            record(ActionRecord(wall: now.wall, action: "restart", target: node.name, outcome: outcome.detail))
        }
        rules.restartAttempted(now: now)
        if !dryRun { saveState() }
        return event
    }

    /// Restarts the node the way the config says: through systemd, or its command.
    func performRestart() -> ActionOutcome {
        let node = config.node
        if node.container != nil, node.restartCommand.isEmpty {
            guard let id = container?.info.id else {
                return ActionOutcome(succeeded: false, detail: "container \(node.name) was not found through \(node.dockerSocket)")
            }
            return docker().restart(id, stopTimeout: Int(node.stopTimeout), whileWaiting: whileWaiting)
        }
        if let unit = node.unit, node.restartCommand.isEmpty {
            // RestartUnit only queues the job, so it answers fast; the cap
            // keeps a wedged D-Bus from holding the check loop past the watchdog.
            return SystemdUnit.restart(unit: unit, timeout: min(node.restartTimeout, 20))
        }
        return CommandRunner.run(node.restartCommand, timeout: node.restartTimeout, whileWaiting: whileWaiting)
    }

    func record(_ a: ActionRecord) {
        actions.append(a)
        if actions.count > 20 { actions.removeFirst(actions.count - 20) }
    }

    // MARK: reload

    /// Applies a new config; returns what changed, "key old -> new".
    public func apply(_ new: Config) -> [String] {
        let changes = Schema.changes(from: config, to: new)
        if new.node.unit != config.node.unit { unitCgroup = nil }
        if new.node.container != config.node.container || new.node.dockerSocket != config.node.dockerSocket { container = nil; dockerEngine = nil }
        // New log limits or directory: measured at the next cycle, not after scan_interval.
        if new.dockerLogs != config.dockerLogs { dockerLogsScannedAt = -Double.infinity; dockerLogsView = nil; dockerAbsent = false }
        config = new
        rules.apply(new)
        calendar = BillingCalendar(billingDay: new.bandwidth.billingDay)
        return changes
    }

    // MARK: state that survives restarts

    var stateFile: String { config.stateDirectory + "/state" }

    /// Restart history and recent actions, written durably (fsync, rename,
    /// fsync of the directory) so a crash, kill -9 or power loss keeps them.
    public func saveState() {
        saveLedger()
        var text = rules.policy.serialized()
        for a in actions {
            let clean = { (s: String) in String(s.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
            text += "action \(a.wall)\t\(clean(a.action))\t\(clean(a.target))\t\(clean(a.outcome))\n"
        }
        FileIO.makeDirectories(config.stateDirectory, mode: 0o755)
        let rc = FileIO.writeAtomically(stateFile, text, durable: true, mode: 0o644)
        if rc != 0 && !stateProblemLogged {
            stateProblemLogged = true
            emit(Event(.probeFailed, "cannot save state to \(stateFile): \(FileIO.errorText(rc)); the restart history will not survive a restart of nodeguard. Check state_directory",
                       fields: [("CHECK", "state"), ("TARGET", stateFile)]))
        }
    }

    /// `readOnly`: for the CLI, which must not move a corrupt file aside.
    public func restoreState(readOnly: Bool = false) {
        restoreLedger(readOnly: readOnly)
        guard let text = FileIO.readText(stateFile) else { return }
        rules.policy.restore(text)
        actions = []
        for line in text.split(separator: "\n") where line.hasPrefix("action ") {
            let parts = line.dropFirst(7).split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 4, let wall = Double(parts[0]) else { continue }
            actions.append(ActionRecord(wall: wall, action: String(parts[1]), target: String(parts[2]), outcome: String(parts[3])))
        }
        view.actions = actions
    }

    /// Folds one cycle's CPU time into the moving average shown in the status.
    public func recordCycleCPU(_ microseconds: Double) {
        view.cycles += 1
        let n = Double(min(view.cycles, 100))
        view.cycleCPUMicroseconds += (microseconds - view.cycleCPUMicroseconds) / n
    }

    /// The status file is rewritten each cycle; /run is tmpfs, so no fsync.
    public func writeStatus(pid: Int32) {
        var v = view
        v.pid = pid
        let bytes = v.jsonBytes()
        var rc = FileIO.writeAtomically(config.statusFile, bytes, durable: false)
        if rc == ENOENT {
            // Only when the directory is missing (first write, or /run was
            // cleaned): creating it every cycle cost ~20 us of syscalls.
            FileIO.makeDirectories(FileIO.directory(of: config.statusFile), mode: 0o755)
            rc = FileIO.writeAtomically(config.statusFile, bytes, durable: false)
        }
        if rc != 0 && !statusProblemLogged {
            statusProblemLogged = true
            emit(Event(.probeFailed, "cannot write the status file \(config.statusFile): \(FileIO.errorText(rc)); `nodeguard status` will not work. Check status_file",
                       fields: [("CHECK", "status_file"), ("TARGET", config.statusFile)]))
        } else if rc == 0 {
            statusProblemLogged = false
        }
    }

    // MARK: the STATUS= line

    /// "node 812 MiB/1.2 GiB, host 640 MiB available, / 41% free"
    static func summary(_ s: Sample, config: Config, rules: Rules, bandwidth: BandwidthProjection?, dockerLogs: UInt64?, now: Now, dryRun: Bool) -> String {
        var parts: [String] = []
        let total = (try? s.host.get())?.total
        if let node = s.node {
            switch node {
            case .success(let n):
                if let t = total ?? { if case .bytes(let b) = config.memory.restartAbove { return b }; return nil }() {
                    parts.append("node \(Size.format(n.anonBytes))/\(Size.format(config.memory.restartAbove.bytes(of: t)))")
                } else {
                    parts.append("node \(Size.format(n.anonBytes))")
                }
            case .failure: parts.append("node unreadable")
            }
        }
        switch s.host {
        case .success(let h): parts.append("host \(Size.format(h.available)) available")
        case .failure: parts.append("host memory unreadable")
        }
        for (path, usage) in s.disks {
            switch usage {
            case .success(let u): parts.append("\(path) \(Share.format(u.freeShare)) free")
            case .failure: parts.append("\(path) unreadable")
            }
        }
        if let logs = dockerLogs { parts.append("docker logs \(Size.format(logs))") }
        if let p = bandwidth {
            var part = "month \(Size.formatDecimal(p.used))"
            if config.bandwidth.quota > 0 { part += " of \(Size.formatDecimal(config.bandwidth.quota))" }
            if let e = p.linearEnd { part += " (projected \(Size.formatDecimal(e)))" }
            parts.append(part)
        }
        if rules.policy.limitReached { parts.append("RESTART LIMIT REACHED") }
        else if config.node.isConfigured && rules.policy.inGrace(now: now.wall) { parts.append("grace \(Duration.format(rules.policy.graceLeft(now: now.wall)))") }
        if dryRun { parts.append("dry run") }
        return parts.joined(separator: ", ")
    }
}
