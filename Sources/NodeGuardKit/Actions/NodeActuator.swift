// One node's hands: how it is restarted (systemd, Docker's API or its
// command), its dependents restarted after it once it is back, and its
// restart budget (grace, max_restarts per restart_window), kept on disk.

public final class NodeActuator {
    public private(set) var config: NodeConfig
    /// This node's budget; no other node's restarts count against it.
    public internal(set) var policy: RestartPolicy
    let probe: NodeProbe

    public init(_ config: NodeConfig, probe: NodeProbe) {
        self.config = config
        self.probe = probe
        policy = RestartPolicy(grace: config.grace, maxRestarts: config.maxRestarts, window: config.restartWindow)
    }

    func update(_ new: NodeConfig) {
        config = new
        policy.grace = new.grace
        policy.maxRestarts = new.maxRestarts
        policy.window = new.restartWindow
    }

    /// An actuator for work on another thread: the node's config, the
    /// container Docker last described, and a probe of its own that keeps
    /// no /proc file open; nothing shared with the loop.
    func copy(root: HostRoot) -> NodeActuator {
        var ownRoot = root
        ownRoot.keepsFilesOpen = false
        let own = NodeProbe(config, root: ownRoot)
        own.container = probe.container
        return NodeActuator(config, probe: own)
    }

    /// "systemd RestartUnit", "the Docker Engine API", or the command.
    var how: String {
        !config.restartCommand.isEmpty ? config.restartCommand.joined(separator: " ")
            : config.container != nil ? "the Docker Engine API" : "systemd RestartUnit"
    }

    /// Restarts the node the way the config says (a node that is down is started the same way).
    func restart(whileWaiting: () -> Void) -> ActionOutcome {
        if config.container != nil, config.restartCommand.isEmpty {
            guard let id = probe.containerID else {
                return ActionOutcome(succeeded: false, detail: "container \(config.target) was not found through \(config.dockerSocket)")
            }
            return probe.docker().restart(id, stopTimeout: Int(config.stopTimeout), whileWaiting: whileWaiting)
        }
        if let unit = config.unit, config.restartCommand.isEmpty {
            // RestartUnit only queues the job (and starts an inactive unit), so
            // it answers fast when systemd is well; the watchdog is fed meanwhile.
            return SystemdUnit.restart(unit: unit, timeout: min(config.restartTimeout, 20), whileWaiting: whileWaiting)
        }
        return CommandRunner.run(config.restartCommand, timeout: config.restartTimeout, whileWaiting: whileWaiting)
    }

    /// Waits (feeding the watchdog) until the node runs again, at most
    /// restart_timeout. RestartUnit only queues a job: its process may still
    /// be the old one until systemd finished the job, so that is waited for first.
    func waitUntilBack(after restart: ActionOutcome, whileWaiting: () -> Void) -> Bool {
        let deadline = Now.read().monotonic + config.restartTimeout
        if config.unit != nil, config.restartCommand.isEmpty, let job = SystemdUnit.jobPath(restart) {
            while SystemdUnit.jobPending(job, whileWaiting: whileWaiting) == true {
                guard Now.read().monotonic < deadline else { return false }
                whileWaiting()
                Now.sleep(0.1)
            }
        }
        while true {
            if probe.read(monotonic: -Double.infinity, whileWaiting: whileWaiting).running == true { return true }
            guard Now.read().monotonic < deadline else { return false }
            whileWaiting()
            Now.sleep(0.2)
        }
    }

    /// then_restart, in order, once the node is back; each one's outcome.
    func restartDependents(after restart: ActionOutcome, whileWaiting: () -> Void) -> [(name: String, outcome: ActionOutcome)] {
        guard !config.thenRestart.isEmpty else { return [] }
        guard waitUntilBack(after: restart, whileWaiting: whileWaiting) else {
            let why = ActionOutcome(succeeded: false, detail: "\(config.name) was not running again within restart_timeout \(TimeSpan.format(config.restartTimeout)); not restarted")
            return config.thenRestart.map { ($0, why) }
        }
        return config.thenRestart.map { name in
            if config.unit != nil { return (name, SystemdUnit.restart(unit: name, timeout: min(config.restartTimeout, 20), whileWaiting: whileWaiting)) }
            switch probe.docker().inspect(name, whileWaiting: whileWaiting) {
            case .success(let info):
                return (name, probe.docker().restart(info.id, stopTimeout: Int(config.stopTimeout), whileWaiting: whileWaiting))
            case .failure(let e):
                return (name, ActionOutcome(succeeded: false, detail: e.message))
            }
        }
    }

    // MARK: the restart history on disk

    /// state_directory/nodes/NAME: written durably after every restart.
    func stateFile(in directory: String) -> String { directory + "/nodes/" + config.name }

    func save(in directory: String) -> Int32 {
        FileIO.makeDirectories(directory + "/nodes", mode: 0o755)
        let rc = FileIO.writeAtomically(stateFile(in: directory), policy.serialized(), durable: true, mode: 0o644)
        if rc == 0 { savedLimitReached = policy.limitReached }
        return rc
    }

    /// The limit as last written: a limit reached or re-armed without a
    /// restart is saved too, so `nodeguard check` reads what the daemon knows.
    private var savedLimitReached = false
    var limitUnsaved: Bool { policy.limitReached != savedLimitReached }

    func restore(from directory: String) {
        if let text = FileIO.readText(stateFile(in: directory)) { policy.restore(text) }
        savedLimitReached = policy.limitReached
    }
}
