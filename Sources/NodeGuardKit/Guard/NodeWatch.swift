// One node as its checks share it: its settings, its probe (read once a
// cycle, whatever the number of its checks) and its actuator (restart
// budget, how it is restarted). The node's alarms are in its checks.

public final class NodeWatch {
    public private(set) var config: NodeConfig
    public private(set) var limits: NodeLimits
    public let probe: NodeProbe
    public let actuator: NodeActuator
    /// This cycle's sample, and which cycle it is from.
    private var sampled: (serial: Int, sample: NodeSample)?
    /// Reads the node; tests give a fake one.
    var read: (_ monotonic: Double, _ whileWaiting: () -> Void) -> NodeSample

    public var name: String { config.name }

    /// nodeos's words when it would not start on a state left by a kill:
    /// nodeguard neither starts nor restarts it until it runs again.
    var needsReplay: String?
    /// When its last words were read while it is down (monotonic).
    var lastWordsReadAt = -Double.infinity
    /// Its last words while it is not running (NodeOutput); tests give fake ones.
    var lastWords: (_ whileWaiting: () -> Void) -> [String]?

    public init(_ config: NodeConfig, limits: NodeLimits, root: HostRoot) {
        self.config = config
        self.limits = limits
        let probe = NodeProbe(config, root: root)
        self.probe = probe
        actuator = NodeActuator(config, probe: probe)
        read = { probe.read(monotonic: $0, whileWaiting: $1) }
        lastWords = { probe.lastWords(whileWaiting: $0) }
    }

    func update(_ new: NodeConfig, limits newLimits: NodeLimits) {
        probe.update(new)
        actuator.update(new)
        config = new
        limits = newLimits
    }

    /// The node as read this cycle: the first of its checks reads it, the others share the read.
    func sample(_ cycle: Cycle) -> NodeSample {
        if let s = sampled, s.serial == cycle.serial { return s.sample }
        let s = read(cycle.now.monotonic, cycle.whileWaiting)
        sampled = (cycle.serial, s)
        return s
    }

    /// The node's height as its chain check last read it: another node's reference.
    var chainHeight: UInt64?

    /// This cycle's anonymous memory, for the host floor's choice: nil when
    /// the node was not read this cycle (an older reading decides nothing).
    func anonBytes(in cycle: Cycle) -> UInt64? {
        guard let s = sampled, s.serial == cycle.serial else { return nil }
        return try? s.sample.memory.get().anonBytes
    }

    /// Asks for a restart if the node's budget allows; the limit is said once.
    /// `repeated`: the same check asks again for the same problem (liveness
    /// asks every cycle it lasts): said once while the limit holds, where a
    /// new crossing is said each time.
    func ask(_ r: RestartRequest, _ cycle: inout Cycle, repeated: Bool = false) {
        switch actuator.policy.permit(now: cycle.now.wall) {
        case .allowed:
            cycle.requests.append(.restart(r))
        case .limitJustReached(let count):
            withheld.insert(r.check)
            cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "restart limit", target: name,
                                              outcome: "\(r.check): not restarting; re-arms \(rearmText(cycle.now.wall))"))
            cycle.events.append(Event(.restartLimit,
                "\(r.reason); not restarting \(name): it was restarted \(counted(count, "time")) within \(TimeSpan.format(config.restartWindow)) (max_restarts = \(config.maxRestarts)). nodeguard keeps watching; restarting re-arms \(rearmText(cycle.now.wall))",
                fields: [("NODE", name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("ACTION", "none"), ("TARGET", config.target)]))
        case .limited:
            guard withheld.insert(r.check).inserted || !repeated else { return }
            let p = actuator.policy
            cycle.events.append(Event(.restartWithheld,
                "would restart \(name): \(r.reason); but it was restarted \(counted(p.restartsInWindow(now: cycle.now.wall), "time")) within \(TimeSpan.format(config.restartWindow)) (max_restarts = \(config.maxRestarts)). Restarting re-arms \(rearmText(cycle.now.wall))",
                fields: [("NODE", name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("ACTION", "none"), ("TARGET", config.target)]))
        }
    }

    /// The checks told "would restart" while this limit holds; a re-arm clears it.
    private var withheld: Set<String> = []

    func rearmed() { withheld = [] }

    /// "at 2026-11-23 14:05:00 (in 52m)", when the oldest restarts leave the window.
    func rearmText(_ now: Double) -> String {
        guard let t = actuator.policy.rearmsAt(now: now) else { return "now" }
        return "at \(TimeFormat.local(t)) (in \(TimeSpan.format(max(0, t - now).rounded())))"
    }

    /// "restart 1 of 2 in 1h": this restart's place in its window.
    func budgetText(_ now: Double) -> String {
        "restart \(actuator.policy.restartsInWindow(now: now)) of \(config.maxRestarts) in \(TimeSpan.format(config.restartWindow))"
    }

    /// A restart (or start) was attempted: counted in its budget, its grace begins.
    /// The node's checks see it through the policy's attempt count and start afresh.
    func restartAttempted(now: Now) {
        actuator.policy.record(now: now.wall)
    }

    /// For the host floor's choice.
    func candidate(_ cycle: Cycle) -> HostFloor.Candidate {
        let p = actuator.policy, now = cycle.now.wall
        return HostFloor.Candidate(name: name, anonBytes: anonBytes(in: cycle), graceLeft: p.graceLeft(now: now), overBudget: p.overBudget(now: now))
    }
}

/// What a node check remembers of its node's restarts: when the node was
/// restarted or re-armed since its last run, its alarms start afresh.
struct RestartMarks: Sendable {
    var attempts = 0
    var rearms = 0

    /// (restarted, rearmed) since the last call.
    mutating func since(_ p: RestartPolicy) -> (restarted: Bool, rearmed: Bool) {
        defer { attempts = p.attempts; rearms = p.rearms }
        return (p.attempts != attempts, p.rearms != rearms)
    }
}
