// A node's restart budget (max_restarts per restart_window): how much of it
// is spent, and the re-arm once the window has passed since the limit was
// reached. Runs before the node's other checks, so they see the re-arm.

final class RestartBudgetCheck: NodeCheck, AfterActions {
    static let declaration = CheckDeclaration("restart_budget", readings: [budget]) { $0.nodes.map(RestartBudgetCheck.init) }

    static let budget = ReadingKind("restart_budget", "a node's restarts in its window, its grace and the restart limit",
        gauges: [left],
        words: { r, v in "\(v) of \(r.figure("max").map(ReadingText.quantity) ?? "?") in \(r.figure("window").map(ReadingText.quantity) ?? "?")" },
        notes: { r in r.figure("grace left").map { ["grace: \(ReadingText.quantity($0)) left"] } ?? [] },
        summary: .init(.last, problem: "restart limit") { r in
            if r.state == .critical { return "RESTART LIMIT REACHED" }
            return r.figure("grace left").map { "grace \(ReadingText.quantity($0))" }
        },
        samples: { r, out in
            guard let used = r.value.number, let max = r.figure("max")?.number else { return }
            out.add(left, Swift.max(0, max - used), node: r)
        })
    static let left = Gauge("nodeguard_node_restarts_left", help: "Restarts nodeguard may still make in the node's restart_window.", labels: ["node"])

    let node: NodeWatch
    /// The budget as this cycle's reading showed it: attempts, limit reached.
    var shown: (Int, Bool) = (0, false)
    /// Outside grace the reading changes only with what is in this key: kept until it does.
    var last: (key: Key, reading: Reading)?
    struct Key: Equatable { var count: Int, limitReached: Bool, inGrace: Bool, max: Int, window: Double, target: String }
    var kind: String { Self.declaration.kind }
    var target: String { node.name }

    init(_ node: NodeWatch) { self.node = node }

    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        let now = cycle.now.wall
        if node.actuator.policy.rearm(now: now) {
            node.rearmed()
            let p = node.actuator.policy
            cycle.actions.append(ActionRecord(wall: now, action: "restart re-armed", target: node.name,
                                              outcome: "\(p.restartsInWindow(now: now)) of \(p.maxRestarts) in \(TimeSpan.format(p.window))"))
            cycle.events.append(Event(.restartRearmed,
                "nodeguard may restart \(node.name) again: \(counted(p.restartsInWindow(now: now), "restart")) in the last \(TimeSpan.format(p.window)), max_restarts = \(p.maxRestarts)",
                fields: [("NODE", node.name), ("CHECK", "restart_budget"), ("ACTION", "rearm"), ("TARGET", node.config.target)]))
        }
        shown = (node.actuator.policy.attempts, node.actuator.policy.limitReached)
        cycle.readings.append(reading(now: now))
    }

    /// After a restart in this cycle: the reading shows the budget as it is now.
    func actionsDone(_ cycle: inout Cycle) {
        guard shown != (node.actuator.policy.attempts, node.actuator.policy.limitReached) else { return }
        guard let i = cycle.readings.firstIndex(where: { $0.kind == Self.budget && $0.node == node.name }) else { return }
        cycle.readings[i] = reading(now: cycle.now.wall)
    }

    func reading(now: Double) -> Reading {
        let policy = node.actuator.policy
        let count = policy.restartsInWindow(now: now)
        let inGrace = policy.inGrace(now: now)
        let key = Key(count: count, limitReached: policy.limitReached, inGrace: inGrace, max: policy.maxRestarts, window: policy.window, target: node.config.target)
        // In grace the time left changes every cycle: made again each time.
        if let l = last, l.key == key, !inGrace { return l.reading }
        let r = build(policy, count: count, now: now)
        last = (key, r)
        return r
    }

    func build(_ policy: RestartPolicy, count: Int, now: Double) -> Reading {
        var figures = [Figure("max", .count(policy.maxRestarts)), Figure("window", .seconds(policy.window))]
        var notes: [String] = []
        if policy.inGrace(now: now) {
            figures.append(Figure("grace left", .seconds(policy.graceLeft(now: now))))
            notes.append("in grace after the last restart: no restart and no memory alarm until it ends")
        }
        if policy.limitReached { notes.append("restart limit reached: not restarting until it re-arms \(node.rearmText(now))") }
        return Reading(Self.budget, target: node.config.target, node: node.name,
                       value: .count(count), figures: figures,
                       critical: Threshold(.atLeast, .count(policy.maxRestarts)),
                       state: policy.limitReached ? .critical : .ok, notes: notes)
    }
}
