// Opt-in (restart_unhealthy_after): a container node whose HEALTHCHECK stays
// unhealthy is restarted, under the same grace and budget as memory restarts.
// Its alarm is its own: a re-arm of the budget starts it afresh, so a
// container that stays unhealthy is restarted again once the window passed.

final class ContainerHealthCheck: NodeCheck {
    static let declaration = CheckDeclaration("container_health", readings: [health], reasons: { node, _ in
        node.container != nil && node.restartUnhealthyAfter > 0 ? ["container_health"] : []
    }) { $0.nodes.filter { $0.config.container != nil }.map(ContainerHealthCheck.init) }

    static let health = ReadingKind("container_health", "a container node's HEALTHCHECK status")

    let node: NodeWatch
    var unhealthy = SustainedAlarm()
    var marks = RestartMarks()
    var applied: (target: String, after: Double)
    var kind: String { Self.declaration.kind }
    var target: String { node.name }

    init(_ node: NodeWatch) {
        self.node = node
        applied = (node.config.target, node.config.restartUnhealthyAfter)
    }

    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        let policy = node.actuator.policy
        let target = node.config.target, after = node.config.restartUnhealthyAfter
        let seen = marks.since(policy)
        if seen.restarted || seen.rearmed || applied != (target, after) { unhealthy.reset() }
        applied = (target, after)
        guard let health = node.sample(cycle).health, !health.isEmpty else {
            unhealthy.interrupted()   // not known this cycle: no hold across the gap
            return
        }
        cycle.readings.append(Reading(Self.health, target: target, node: node.name, value: .word(health),
                                      critical: after > 0 ? Threshold(.above, .word("unhealthy"), sustained: after) : nil,
                                      state: health == "unhealthy" ? (after > 0 ? .critical : .warning) : .ok))
        guard after > 0 else { return }
        if policy.inGrace(now: cycle.now.wall) { unhealthy.reset(); return }
        switch unhealthy.update(breached: health == "unhealthy", clear: health != "unhealthy", now: cycle.now.monotonic, sustained: after) {
        case .fired:
            node.ask(RestartRequest(node: node.name, check: "container_health", value: health, threshold: TimeSpan.format(after),
                                    reason: "container \(target) unhealthy for \(TimeSpan.format(unhealthy.heldFor(now: cycle.now.monotonic))) (restart_unhealthy_after = \(TimeSpan.format(after)))"),
                     &cycle)
        case .recovered:
            cycle.events.append(Event(.recovered, "container \(target) is no longer unhealthy (\(health))",
                                      fields: [("NODE", node.name), ("CHECK", "container_health"), ("VALUE", health), ("TARGET", target)]))
        case nil: break
        }
    }
}
