// The loop's one cycle: every check runs (CheckRegistry's order), the
// guard carries out what they asked (reclaim a disk and have it measured
// again, restart nodes through their actuators, the quota's action), and
// the results fan out to the sinks (journal, status file).
// The daemon runs it in its loop; `nodeguard check` runs it once without acting.

public final class Guard {
    public private(set) var config: Config
    public let root: HostRoot
    /// One watch a node, in the config's order: its probe and actuator, shared by its checks.
    public internal(set) var nodes: [NodeWatch] = []
    /// Built from the config by CheckRegistry, in the order they run.
    public internal(set) var checks: [Check] = [] { didSet { cadences() } }
    public internal(set) var view = StatusView()
    /// The last cycle's readings, as the checks returned them (the status shows the nodes' first).
    public internal(set) var readings: [Reading] = []
    /// Where each cycle's results go; the first is the journal.
    public var sinks: [Sink]
    /// Called while a restart command runs, so the daemon keeps its watchdog fed.
    public var whileWaiting: () -> Void = {}
    let forceDryRun: Bool
    /// For what is said outside a cycle (state that cannot be saved, a migration).
    let emit: (Event) -> Void
    var actions: [ActionRecord] = []
    /// Restarts still running on their own threads (GuardActions).
    var restartsRunning: [RestartJob] = []
    /// Restarts held while production is handed to a standby (HandsOver).
    var restartsHeld: [RestartRequest] = []
    var serial = 0
    let words = ReadingViews()
    var summaryDryRun = false
    var stateProblemLogged = false
    /// How old the status's words (its checks' texts, the STATUS= line) may
    /// grow while no check changed state and nothing was said: the daemon
    /// sets 5 s: at one cycle a second, words for every cycle's figures
    /// cost more than they are worth for texts nobody reads each second
    /// (bench/README.md). 0, the default: every cycle (`nodeguard check`, tests).
    public var wordsEvery: Double = 0
    /// Cycles in a row that said and did nothing: the daemon hands back the
    /// pages of a burst's rare paths once they are over (WorkingSet).
    public private(set) var quietCycles = 0
    /// The states the words were last made with (when: view.checksUpdated).
    private var wordsStates: [CheckState] = []

    public var dryRun: Bool { forceDryRun || config.dryRun }

    /// How often the loop wakes: every `interval`, or more often when a
    /// check has a cadence of its own (the producer groups' producer_every).
    /// Worked out when the checks are built, not on each wake.
    public private(set) var wakeEvery: Double = 0
    /// Which of `checks` have a cadence of their own, in their order.
    private var ownCadence: [Bool] = []

    private func cadences() {
        ownCadence = checks.map { $0 is OwnCadence }
        wakeEvery = checks.reduce(config.interval) { min($0, ($1 as? OwnCadence)?.every ?? $0) }
    }
    /// When the last cycle that ran every check began (monotonic).
    private var lastFull = -Double.infinity
    /// Each check's readings from the last cycle it ran in, kept while
    /// some cycles run only the checks with a cadence of their own.
    private var keptReadings: [ObjectIdentifier: ArraySlice<Reading>] = [:]

    /// The kinds of check this guard builds.
    public let registry: CheckRegistry

    public init(config: Config, root: HostRoot = HostRoot(), forceDryRun: Bool = false, registry: CheckRegistry = .standard,
                emit: @escaping (Event) -> Void) {
        self.config = config
        self.root = root
        self.registry = registry
        self.forceDryRun = forceDryRun
        self.emit = emit
        sinks = [EventSink(emit)]
        nodes = config.nodes.map { NodeWatch($0, limits: config.limits(of: $0), root: root) }
        checks = []
        checks = registry.build(setting(config))
        cadences()   // didSet does not run in an initializer
    }

    public func node(named name: String) -> NodeWatch? { nodes.first { $0.name == name } }

    func setting(_ c: Config) -> CheckSetting {
        CheckSetting(config: c, root: root, nodes: nodes, nodeNamed: { [weak self] in self?.node(named: $0) },
                     currentNodes: { [weak self] in self?.nodes ?? [] })
    }

    // MARK: one cycle

    @discardableResult
    public func runCycle(now: Now = Now.read(), observe: Bool = false) -> StatusView {
        serial += 1
        let mode: CycleMode = observe ? .observe : dryRun ? .dryRun : .act
        var cycle = Cycle(now: now, mode: mode, serial: serial, whileWaiting: whileWaiting)
        cycle.nodesInGrace = nodes.contains { $0.actuator.policy.inGrace(now: now.wall) }
        cycle.restartEpoch = nodes.reduce(0) { $0 + $1.actuator.policy.attempts + $1.actuator.policy.rearms }
        runChecks(&cycle)
        carryOut(&cycle)
        for a in cycle.actions { record(a) }
        if mode == .act { for n in nodes where n.actuator.limitUnsaved { saveState(of: n) } }

        readings = cycle.readings
        view.updated = now.wall
        view.interval = config.interval
        view.dryRun = dryRun
        view.actions = actions
        let said = !cycle.events.isEmpty || !cycle.actions.isEmpty
        quietCycles = said ? 0 : quietCycles + 1
        if wordsDue(at: now.wall, said: said) {
            view.checks = words.views(readings)
            view.checksUpdated = now.wall
            // The STATUS= line says what the words say: made again only when they changed.
            if words.changed || view.dryRun != summaryDryRun || view.summary.isEmpty {
                view.summary = StatusSummary.line(readings, nodes: nodes.map(\.name), dryRun: dryRun)
                summaryDryRun = dryRun
            }
        }
        for i in cycle.events.indices where cycle.events[i].time == nil { cycle.events[i].time = now.wall }
        let report = CycleReport(now: now, events: cycle.events, readings: readings, view: view, tallies: cycle.tallies)
        for s in sinks { s.publish(report) }
        KeptOpen.sweep()
        return view
    }

    /// Every check, or between two `interval`s only those with a cadence of
    /// their own: the others show what they found last (half a wake of
    /// slack, so a cycle that wakes a little early is still the full one).
    private func runChecks(_ cycle: inout Cycle) {
        let wake = wakeEvery
        let full = cycle.mode == .observe || cycle.now.monotonic - lastFull >= config.interval - wake / 2
        if full { lastFull = cycle.now.monotonic }
        guard wake < config.interval else {
            keptReadings = [:]
            for c in checks { c.run(&cycle) }
            return
        }
        for (i, c) in checks.enumerated() {
            let id = ObjectIdentifier(c)
            guard full || ownCadence[i] else {
                cycle.readings += keptReadings[id] ?? []
                continue
            }
            let start = cycle.readings.count
            c.run(&cycle)
            keptReadings[id] = cycle.readings[start...]
        }
    }

    /// Whether this cycle's readings are put into words: when `wordsEvery`
    /// has passed, something was said or done, or a check's state changed.
    private func wordsDue(at wall: Double, said: Bool) -> Bool {
        let at = view.checksUpdated
        var due = said || !(wall - at < wordsEvery) || wall < at || readings.count != wordsStates.count
        if !due { for i in readings.indices where readings[i].state != wordsStates[i] { due = true; break } }
        if due { wordsStates = readings.map(\.state) }
        return due
    }

    func record(_ a: ActionRecord) { actions = RecentActions.adding(a, to: actions) }

    /// A reload the daemon refused: kept in the recent actions beside the restarts.
    public func reloadRejected(path: String, errors: Int, now: Double = Now.read().wall) {
        record(ActionRecord(wall: now, action: "reload rejected", target: path,
                            outcome: "\(counted(errors, "error")); the previous configuration stays in force"))
        view.actions = actions
        if !dryRun { noteSaveProblem(saveActions()) }
    }

    // MARK: reload

    /// Applies a new config; returns what changed, "key old -> new".
    public func apply(_ new: Config) -> [String] {
        let changes = Schema.changes(from: config, to: new)
        config = new
        // A node keeps what was learnt (restart history, alarms, trend) under its name.
        nodes = new.nodes.map { n in
            guard let watch = node(named: n.name) else {
                let watch = NodeWatch(n, limits: new.limits(of: n), root: root)
                watch.actuator.restore(from: new.stateDirectory)
                return watch
            }
            watch.update(n, limits: new.limits(of: n))
            return watch
        }
        let (rebuilt, fresh) = registry.rebuild(checks, setting(new))
        checks = rebuilt
        // A check new to this config finds what an earlier run of it kept.
        for c in fresh { if let e = (c as? Keeping)?.restore(readOnly: false, now: Now.read()) { emit(e) } }
        for s in sinks { s.update(new) }
        return changes
    }
}
