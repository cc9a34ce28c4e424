// One node's decisions: from its sample and the memory of past cycles, what
// to log, what the status shows, and whether it must be restarted or started.
// Its alarms live here and nowhere else, so a re-arm cannot forget one.
// No I/O: the sample comes in, decisions go out.

public struct RestartRequest: Equatable, Sendable {
    public var node: String
    public var check: String
    public var value: String
    public var threshold: String
    public var reason: String
}

public struct NodeDecisions: Sendable {
    public var events: [Event] = []
    public var checks: [CheckView] = []
    public var restart: RestartRequest?
}

public struct NodeRules: Sendable {
    public let name: String
    var warn = SustainedAlarm()
    var restartAlarm = SustainedAlarm()
    var unhealthy = SustainedAlarm()
    var leak: TrendWindow
    var leakWarned = false
    /// nil until the first reading; false once it was found not running.
    var running: Bool?
    var probeFailing = false

    public init(name: String, trendWindow: Double) {
        self.name = name
        leak = TrendWindow(window: trendWindow)
    }

    /// A reload: alarms start afresh when their thresholds changed, the trend when its window did.
    mutating func apply(old: NodeLimits, new: NodeLimits, oldConfig: NodeConfig, newConfig: NodeConfig) {
        if old != new || oldConfig.target != newConfig.target || oldConfig.restartUnhealthyAfter != newConfig.restartUnhealthyAfter {
            warn.reset(); restartAlarm.reset(); unhealthy.reset()
            leakWarned = false
        }
        if old.trendWindow != new.trendWindow || oldConfig.target != newConfig.target { leak = TrendWindow(window: new.trendWindow) }
    }

    /// Every alarm that can ask for a restart, in one list.
    mutating func resetRestartAlarms() {
        restartAlarm.reset(); unhealthy.reset()
    }

    /// After a restart (or start) was attempted: grace starts, the old memory is forgotten.
    public mutating func restartAttempted(now: Now, policy: inout RestartPolicy) {
        policy.record(now: now.wall)
        resetRestartAlarms()
        warn.reset()
        leak.clear()
        leakWarned = false
    }

    func fields(_ check: String, _ extra: [(String, String)] = []) -> [(String, String)] {
        [("NODE", name), ("CHECK", check)] + extra
    }

    public mutating func evaluate(_ s: NodeSample, node: NodeConfig, limits: NodeLimits, hostTotal: UInt64?,
                                  policy: inout RestartPolicy, now: Now) -> NodeDecisions {
        var d = NodeDecisions()
        if policy.rearm(now: now.wall) {
            resetRestartAlarms()
            d.events.append(Event(.restartRearmed,
                "nodeguard may restart \(name) again: \(policy.restartsInWindow(now: now.wall)) restarts in the last \(Duration.format(node.restartWindow)), max_restarts = \(node.maxRestarts)",
                fields: fields("restart_policy", [("ACTION", "rearm"), ("TARGET", node.target)])))
        }
        switch s.memory {
        case .success(let m):
            sayRunning(node, into: &d)
            evaluateMemory(m, node: node, limits: limits, total: hostTotal, policy: &policy, now: now, into: &d)
            if let health = s.health { evaluateHealth(health, node: node, policy: &policy, now: now, into: &d) }
        case .failure(let e) where e.notRunning:
            evaluateDown(e, node: node, policy: &policy, now: now, into: &d)
        case .failure(let e):
            if !probeFailing { d.events.append(Event(.probeFailed, e.message, fields: fields("node_memory", [("TARGET", node.target)]))) }
            probeFailing = true
            d.checks.append(CheckView(check: "node_memory", target: node.target, value: "?", state: .error, note: e.message, node: name))
        }
        return d
    }

    mutating func sayRunning(_ node: NodeConfig, into d: inout NodeDecisions) {
        if running == false {
            d.events.append(Event(.nodeUp, "node \(name) (\(node.target)) runs again", fields: fields("node_running", [("TARGET", node.target)])))
        } else if probeFailing {
            d.events.append(Event(.recovered, "node_memory \(node.target) can be read again", fields: fields("node_memory", [("TARGET", node.target)])))
        }
        running = true
        probeFailing = false
    }

    /// Not running: said once; started when start_when_down asks, within the budget.
    mutating func evaluateDown(_ e: ProbeError, node: NodeConfig, policy: inout RestartPolicy, now: Now, into d: inout NodeDecisions) {
        if running != false {
            d.events.append(Event(.nodeDown, "node \(name) is not running: \(e.message)\(node.startWhenDown ? "; starting it (start_when_down)" : "")",
                                  fields: fields("node_running", [("TARGET", node.target)])))
        }
        running = false
        probeFailing = false
        var note = e.message
        if node.startWhenDown && !policy.inGrace(now: now.wall) {
            requestRestart(RestartRequest(node: name, check: "node_running", value: "not running", threshold: "",
                                          reason: "node \(name) is not running and start_when_down is set"), node: node, policy: &policy, now: now, into: &d)
        } else if node.startWhenDown {
            note += "; grace after the last start: \(Duration.format(policy.graceLeft(now: now.wall))) left"
        }
        d.checks.append(CheckView(check: "node_running", target: node.target, value: "not running", state: .critical, note: note, node: name))
    }

    /// Asks for a restart if the node's budget allows; the limit is said once.
    mutating func requestRestart(_ r: RestartRequest, node: NodeConfig, policy: inout RestartPolicy, now: Now, into d: inout NodeDecisions) {
        switch policy.permit(now: now.wall) {
        case .allowed:
            if d.restart == nil { d.restart = r }
        case .limitJustReached(let count):
            d.events.append(Event(.restartLimit,
                "\(r.reason); not restarting \(name): it was restarted \(count) times within \(Duration.format(node.restartWindow)) (max_restarts = \(node.maxRestarts)). nodeguard keeps watching and re-arms when the window has passed",
                fields: fields(r.check, [("VALUE", r.value), ("THRESHOLD", r.threshold), ("ACTION", "none"), ("TARGET", node.target)])))
        case .limited:
            break
        }
    }
}
