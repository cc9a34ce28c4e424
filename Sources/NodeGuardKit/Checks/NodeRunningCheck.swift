// Whether a node runs (container exited, unit inactive or failed, pidfile
// process gone): ERROR once when it stops, NOTICE once when it runs again;
// with start_when_down it is started through its restart budget.

final class NodeRunningCheck: NodeCheck {
    static let declaration = CheckDeclaration("node_running", readings: [running],
                                              reasons: { node, _ in node.startWhenDown ? ["node_running"] : [] }) { $0.nodes.map(NodeRunningCheck.init) }

    static let running = ReadingKind("node_running", "whether a node runs (unit active, container running, pidfile process alive)",
        gauges: [up],
        summary: .init(problem: "down") { r in r.state == .critical ? "node \(r.node ?? "") not running" : nil },
        samples: { r, out in out.add(up, r.value == .word("running") ? 1 : 0, node: r) })
    static let up = Gauge("nodeguard_node_up", help: "1 while the node's process runs (container, unit or pidfile process), else 0.", labels: ["node"])

    let node: NodeWatch
    /// nil until the first reading; false once it was found not running.
    private(set) var running: Bool?
    /// "running" reads the same every cycle: built once a target.
    var runningReading: Reading?
    var kind: String { Self.declaration.kind }
    var target: String { node.name }

    init(_ node: NodeWatch) { self.node = node }

    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        // Only the fields used: a copy of the whole NodeConfig costs a dozen retains a cycle.
        let target = node.config.target
        switch node.sample(cycle).memory {
        case .success:
            node.needsReplay = nil
            if running == false {
                cycle.events.append(Event(.nodeUp, "node \(node.name) (\(target)) runs again", fields: fields(target)))
            }
            running = true
            if runningReading?.target != target { runningReading = Reading(Self.running, target: target, node: node.name, value: .word("running")) }
            if let r = runningReading { cycle.readings.append(r) }
        case .failure(let e) where e.notRunning:
            if running != false {
                cycle.events.append(Event(.nodeDown, "node \(node.name) is not running: \(e.message)\(node.config.startWhenDown ? "; starting it (start_when_down)" : "")",
                                          fields: fields(target)))
            }
            let wasDown = running == false
            running = false
            lookForReplay(&cycle)
            down(e, wasDown: wasDown, cycle: &cycle)
        case .failure(let e):
            // Not known (Docker does not answer, the cgroup cannot be read):
            // shown as such with the reason, never left out.
            cycle.readings.append(Reading(Self.running, target: target, node: node.name, value: .word("unknown"),
                                          state: .error, notes: [e.message]))
        }
    }

    func fields(_ target: String) -> [(String, String)] { [("NODE", node.name), ("CHECK", "node_running"), ("TARGET", target)] }

    /// Shown critical; started when start_when_down asks, within the budget.
    func down(_ e: ProbeError, wasDown: Bool, cycle: inout Cycle) {
        let n = node.config, policy = node.actuator.policy, now = cycle.now.wall
        var notes = [e.message]
        if let words = node.needsReplay {
            notes.append("it needs a replay or a snapshot: \(words)")
        } else if n.startWhenDown && !policy.inGrace(now: now) {
            node.ask(RestartRequest(node: node.name, check: "node_running", value: "not running", threshold: "",
                                    reason: "node \(node.name) is not running and start_when_down is set"), &cycle, repeated: wasDown)
        } else if n.startWhenDown {
            notes.append("grace after the last start: \(TimeSpan.format(policy.graceLeft(now: now))) left")
        }
        cycle.readings.append(Reading(Self.running, target: n.target, node: node.name, value: .word("not running"),
                                      state: .critical, notes: notes))
    }
}

extension NodeRunningCheck {
    /// How often a nodeos node that is down has its last words read.
    static let lastWordsEvery = 10.0

    /// A nodeos node that is down: did it exit at start on a state left by
    /// a kill ("database dirty flag set")? Then starting it again cannot
    /// help: one CRIT, and no start or restart until it runs again.
    func lookForReplay(_ cycle: inout Cycle) {
        guard node.config.liveness.dialect == .nodeos, node.needsReplay == nil,
              cycle.now.monotonic - node.lastWordsReadAt >= Self.lastWordsEvery else { return }
        node.lastWordsReadAt = cycle.now.monotonic
        guard let lines = node.lastWords(cycle.whileWaiting), let words = NodeOutput.replayNeeded(lines) else { return }
        node.needsReplay = words
        let from = node.config.unit == nil ? "its container's log" : "its unit's journal"
        cycle.events.append(Event(.nodeNeedsReplay,
            "node \(node.name) exits at start: its chain state was left by a kill and nodeos will not open it (\(from): \(words)). Start it once with --replay-blockchain, or from a snapshot (--snapshot); nodeguard does not start or restart it until it runs again",
            fields: fields(node.config.target) + [("REASON", words)]))
    }
}
