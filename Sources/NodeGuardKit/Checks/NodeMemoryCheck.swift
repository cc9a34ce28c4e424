// A node's memory: warn_above, restart_above (sustained, with hysteresis),
// and the leak trend, each node against its own thresholds. Its alarms are
// its own: a restart of the node starts them and the trend afresh, a re-arm
// of the budget starts the restart alarm afresh.

final class NodeMemoryCheck: NodeCheck {
    static let declaration = CheckDeclaration("node_memory", readings: [memory, trend],
                                              reasons: { _, _ in ["node_memory"] }) { $0.nodes.map(NodeMemoryCheck.init) }

    static let memory = ReadingKind("node_memory", "a node's resident anonymous memory against warn_above and restart_above",
        gauges: [bytes, warnBytes, restartBytes],
        projection: { p in
            switch p {
            case .aboveRestart: return "above restart_above"
            case .growth(let perHour, let eta): return "+\(Size.format(perHour))/h" + (eta.map { ", restart_above in ~\(TimeSpan.format($0))" } ?? "")
            default: return ""
            }
        },
        summary: .init { r in
            if r.state == .error { return "node unreadable" }
            guard let limit = r.critical?.limits.first else { return "node \(ReadingText.quantity(r.value))" }
            return "node \(ReadingText.quantity(r.value))/\(ReadingText.quantity(limit))"
        },
        samples: { r, out in
            guard let v = r.value.number else { return }
            out.add(bytes, v, node: r)
            if case .bytes(let w)? = r.warn?.limits.first { out.add(warnBytes, Double(w), node: r) }
            if case .bytes(let c)? = r.critical?.limits.first { out.add(restartBytes, Double(c), node: r) }
        })
    /// The leak warning's name in its events: it has no reading of its own.
    static let trend = ReadingKind("node_memory_trend", "the leak warning: a node's memory growing along a straight line (events only)")

    static let bytes = Gauge("nodeguard_node_memory_bytes", help: "The node's resident anonymous memory (no page cache).", labels: ["node"])
    static let warnBytes = Gauge("nodeguard_node_memory_warn_bytes", help: "The node's warn_above.", labels: ["node"])
    static let restartBytes = Gauge("nodeguard_node_memory_restart_bytes", help: "The node's restart_above.", labels: ["node"])

    let node: NodeWatch
    var warn = SustainedAlarm()
    var restartAlarm = SustainedAlarm()
    var leak: TrendWindow
    var leakWarned = false
    var marks = RestartMarks()
    var failures = ProbeFailures()
    /// The thresholds and target the alarms were armed against.
    var applied: (limits: NodeLimits, target: String)
    var kind: String { Self.declaration.kind }
    var target: String { node.name }

    init(_ node: NodeWatch) {
        self.node = node
        leak = TrendWindow(window: node.limits.trendWindow)
        applied = (node.limits, node.config.target)
    }

    func update(_ config: Config) {}

    /// New thresholds: alarms start afresh; a new window or target: the trend too.
    func startAfresh(restarted: Bool, rearmed: Bool) {
        let m = node.limits, t = node.config.target
        if restarted || rearmed || m != applied.limits || t != applied.target { restartAlarm.reset() }
        if restarted || m != applied.limits || t != applied.target { warn.reset(); leakWarned = false }
        if restarted { leak.clear() }
        if m.trendWindow != applied.limits.trendWindow || t != applied.target { leak = TrendWindow(window: m.trendWindow) }
        applied = (m, t)
    }

    func run(_ cycle: inout Cycle) {
        let seen = marks.since(node.actuator.policy)
        startAfresh(restarted: seen.restarted, rearmed: seen.rearmed)
        let sample = node.sample(cycle).memory
        if case .failure = sample { warn.interrupted(); restartAlarm.interrupted() }   // no reading: no hold across the gap
        if case .failure(let e) = sample, e.notRunning { return }   // node_running says it
        if case .failure(let e) = sample, e.dockerUnreachable != nil {   // the docker check says it, once for all its nodes
            cycle.readings.append(Reading(Self.memory, target: node.config.target, node: node.name, value: .word("?"), state: .error, notes: [e.message]))
            return
        }
        guard let m = failures.value(Self.memory, target: node.config.target, node: node.name, sample, &cycle) else { return }
        evaluate(m.anonBytes, &cycle)
    }

    // Shares need the host's MemTotal; without it only byte thresholds apply.
    func threshold(_ a: Amount, total: UInt64?) -> UInt64? {
        if case .share = a, total == nil { return nil }
        return a.bytes(of: total ?? 0)
    }

    func evaluate(_ v: UInt64, _ cycle: inout Cycle) {
        let m = node.limits, target = node.config.target, now = cycle.now, name = node.name
        let warnT = threshold(m.warnAbove, total: cycle.hostTotal), restartT = threshold(m.restartAbove, total: cycle.hostTotal)
        let base: [(String, String)] = [("NODE", name), ("CHECK", "node_memory"), ("VALUE", String(v)), ("TARGET", target)]
        let inGrace = node.actuator.policy.inGrace(now: now.wall)
        if inGrace {
            warn.reset(); restartAlarm.reset()
        } else {
            if let w = warnT {
                switch warn.update(breached: v > w, clear: Double(v) < Double(w) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    cycle.events.append(Event(.warning, "node \(name) memory \(Size.format(v)) above warn_above \(m.warnAbove.said(w)) for \(TimeSpan.format(warn.heldFor(now: now.monotonic)))",
                                              fields: base + [("THRESHOLD", String(w))]))
                case .recovered:
                    cycle.events.append(Event(.recovered, "node \(name) memory back to \(Size.format(v))", fields: base + [("THRESHOLD", String(w))]))
                case nil: break
                }
            }
            if let r = restartT {
                switch restartAlarm.update(breached: v > r, clear: Double(v) < Double(r) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    let why = "node \(name) memory \(Size.format(v)) above restart_above \(m.restartAbove.said(r)) for \(TimeSpan.format(restartAlarm.heldFor(now: now.monotonic)))"
                    node.ask(RestartRequest(node: name, check: "node_memory", value: String(v), threshold: String(r), reason: why), &cycle)
                case .recovered:
                    cycle.events.append(Event(.recovered, "node \(name) memory back below restart_above: \(Size.format(v))", fields: base + [("THRESHOLD", String(r))]))
                case nil: break
                }
            }
        }
        let projection = trend(v, restartAt: restartT, inGrace: inGrace, &cycle)
        let state: CheckState = restartT.map { v > $0 } == true ? .critical : warnT.map { v > $0 } == true ? .warning : .ok
        cycle.readings.append(Reading(Self.memory, target: target, node: name, value: .bytes(v),
                                      warn: warnT.map { Threshold(.above, .bytes($0)) },
                                      critical: restartT.map { Threshold(.above, .bytes($0), sustained: m.sustained) },
                                      state: state, projection: projection,
                                      notes: restartT == nil ? ["host MemTotal unknown: share thresholds cannot apply"] : []))
    }

    /// A steady straight-line growth over the window: said once, as an early warning of a leak.
    func trend(_ v: UInt64, restartAt: UInt64?, inGrace: Bool, _ cycle: inout Cycle) -> Projection? {
        let name = node.name, target = node.config.target
        leak.add(time: cycle.now.monotonic, value: Double(v))
        guard let r = restartAt, let fit = leak.fit() else { return nil }
        let steady = fit.slope > 0 && fit.r2 >= 0.9 && fit.points >= 6 && fit.span >= node.limits.trendWindow * 0.5
            && fit.slope * fit.span >= 0.01 * Double(r)
        let eta = v < r && fit.slope > 0 ? (Double(r) - Double(v)) / fit.slope : 0
        var projection: Projection?
        if fit.slope > 0 && fit.r2 >= 0.5 && fit.points >= 3 {
            projection = v >= r ? .aboveRestart : .growth(bytesPerHour: UInt64(fit.slope * 3600), restartIn: eta)
        }
        if steady && !leakWarned && !inGrace {
            leakWarned = true
            cycle.events.append(Event(.leakTrend,
                "node \(name) memory grows steadily: +\(Size.format(UInt64(fit.slope * 3600)))/h over \(TimeSpan.format(fit.span)), now \(Size.format(v)); at this slope it reaches restart_above (\(Size.format(r))) in ~\(TimeSpan.format(eta))",
                fields: [("NODE", name), ("CHECK", "node_memory_trend"), ("VALUE", String(v)), ("TARGET", target), ("THRESHOLD", String(r)),
                         ("SLOPE", "\(UInt64(fit.slope * 3600)) bytes/h"), ("PROJECTION", TimeSpan.format(eta))]))
        } else if leakWarned && (fit.slope <= 0 || fit.r2 < 0.5) {
            leakWarned = false
            cycle.events.append(Event(.recovered, "node \(name) memory no longer grows steadily (\(Size.format(v)))",
                                      fields: [("NODE", name), ("CHECK", "node_memory_trend"), ("VALUE", String(v)), ("TARGET", target)]))
        }
        return projection
    }
}
