// Everything nodeguard keeps about one node: its probe, its rules (alarms,
// trend, whether it runs) and its actuator (restart budget, how it is restarted).

public final class NodeWatch {
    public private(set) var config: NodeConfig
    public private(set) var limits: NodeLimits
    public let probe: NodeProbe
    public internal(set) var rules: NodeRules
    public let actuator: NodeActuator

    public var name: String { config.name }

    public init(_ config: NodeConfig, limits: NodeLimits, root: HostRoot) {
        self.config = config
        self.limits = limits
        probe = NodeProbe(config, root: root)
        rules = NodeRules(name: config.name, trendWindow: limits.trendWindow)
        actuator = NodeActuator(config, probe: probe)
    }

    func update(_ new: NodeConfig, limits newLimits: NodeLimits, old: NodeConfig, oldLimits: NodeLimits) {
        rules.apply(old: oldLimits, new: newLimits, oldConfig: old, newConfig: new)
        probe.update(new)
        actuator.update(new)
        config = new
        limits = newLimits
    }

    /// This cycle's decisions for the node, judged against its actuator's budget.
    func evaluate(_ sample: NodeSample, hostTotal: UInt64?, now: Now) -> NodeDecisions {
        rules.evaluate(sample, node: config, limits: limits, hostTotal: hostTotal, policy: &actuator.policy, now: now)
    }

    /// A restart (or start) was attempted: counted in its budget, its grace begins.
    func restartAttempted(now: Now) {
        rules.restartAttempted(now: now, policy: &actuator.policy)
    }

    /// For the host floor's choice.
    func candidate(anonBytes: UInt64?, now: Double) -> HostFloor.Candidate {
        let p = actuator.policy
        return HostFloor.Candidate(name: name, anonBytes: anonBytes, graceLeft: p.graceLeft(now: now), overBudget: p.overBudget(now: now))
    }
}
