// A node's restart budget (max_restarts per restart_window): how much of it
// is spent, and the re-arm once the window has passed since the limit was
// reached. Runs before the node's other checks, so they see the re-arm.

final class RestartBudgetCheck: Check {
    let node: NodeWatch
    var kind: String { "restart_budget" }
    var target: String { node.name }

    init(_ node: NodeWatch) { self.node = node }

    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        let n = node.config, now = cycle.now.wall
        var policy = node.actuator.policy
        if policy.rearm(now: now) {
            cycle.events.append(Event(.restartRearmed,
                "nodeguard may restart \(node.name) again: \(policy.restartsInWindow(now: now)) restarts in the last \(Duration.format(n.restartWindow)), max_restarts = \(n.maxRestarts)",
                fields: [("NODE", node.name), ("CHECK", "restart_policy"), ("ACTION", "rearm"), ("TARGET", n.target)]))
        }
        node.actuator.policy = policy
        cycle.readings.append(reading(now: now))
    }

    /// After a restart in this cycle: the reading shows the budget as it is now.
    func replaceReading(_ cycle: inout Cycle) {
        guard let i = cycle.readings.firstIndex(where: { $0.check == "restart_budget" && $0.node == node.name }) else { return }
        cycle.readings[i] = reading(now: cycle.now.wall)
    }

    func reading(now: Double) -> Reading {
        let n = node.config, policy = node.actuator.policy
        var figures = [Figure("max", .count(n.maxRestarts)), Figure("window", .seconds(n.restartWindow))]
        var notes: [String] = []
        if policy.inGrace(now: now) {
            figures.append(Figure("grace left", .seconds(policy.graceLeft(now: now))))
            notes.append("in grace after the last restart: no restart and no memory alarm until it ends")
        }
        if policy.limitReached { notes.append("restart limit reached: not restarting until the window has passed") }
        return Reading("restart_budget", target: n.target, node: node.name,
                       value: .count(policy.restartsInWindow(now: now)), figures: figures,
                       critical: Threshold(.atLeast, .count(n.maxRestarts)),
                       state: policy.limitReached ? .critical : .ok, notes: notes)
    }
}
