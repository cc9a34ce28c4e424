// A node's memory: warn_above, restart_above (sustained, with hysteresis),
// the leak trend, and a container's HEALTHCHECK.

extension NodeRules {
    mutating func evaluateMemory(_ n: NodeMemory, node: NodeConfig, limits m: NodeLimits, total: UInt64?,
                                 policy: inout RestartPolicy, now: Now, into d: inout NodeDecisions) {
        // Shares need the host's MemTotal; without it only byte thresholds apply.
        func threshold(_ a: Amount) -> UInt64? {
            if case .share = a, total == nil { return nil }
            return a.bytes(of: total ?? 0)
        }
        let v = n.anonBytes
        let warnT = threshold(m.warnAbove), restartT = threshold(m.restartAbove)
        let base = fields("node_memory", [("VALUE", String(v)), ("TARGET", node.target)])
        let inGrace = policy.inGrace(now: now.wall)
        if inGrace {
            warn.reset(); restartAlarm.reset()
        } else {
            if let w = warnT {
                switch warn.update(breached: v > w, clear: Double(v) < Double(w) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    d.events.append(Event(.warning, "node \(name) memory \(Size.format(v)) above \(m.warnAbove) (\(Size.format(w))) for \(Duration.format(warn.heldFor(now: now.monotonic)))",
                                          fields: base + [("THRESHOLD", String(w))]))
                case .recovered:
                    d.events.append(Event(.recovered, "node \(name) memory back to \(Size.format(v))", fields: base + [("THRESHOLD", String(w))]))
                case nil: break
                }
            }
            if let r = restartT {
                switch restartAlarm.update(breached: v > r, clear: Double(v) < Double(r) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    let why = "node \(name) memory \(Size.format(v)) above restart_above \(m.restartAbove) (\(Size.format(r))) for \(Duration.format(restartAlarm.heldFor(now: now.monotonic)))"
                    requestRestart(RestartRequest(node: name, check: "node_memory", value: String(v), threshold: String(r), reason: why),
                                   node: node, policy: &policy, now: now, into: &d)
                case .recovered:
                    d.events.append(Event(.recovered, "node \(name) memory back below restart_above: \(Size.format(v))", fields: base + [("THRESHOLD", String(r))]))
                case nil: break
                }
            }
        }
        let projection = evaluateLeak(v, restartAt: restartT, limits: m, inGrace: inGrace, node: node, now: now, into: &d)
        let state: CheckState = restartT.map { v > $0 } == true ? .critical : warnT.map { v > $0 } == true ? .warning : .ok
        var note = ""
        if inGrace { note = "grace after restart: \(Duration.format(policy.graceLeft(now: now.wall))) left" }
        if policy.limitReached { note = joinNote(note, "restart limit reached: \(policy.restartsInWindow(now: now.wall)) restarts in \(Duration.format(node.restartWindow)); not restarting") }
        if restartT == nil { note = joinNote(note, "host MemTotal unknown: share thresholds cannot apply") }
        d.checks.insert(CheckView(check: "node_memory", target: node.target, value: Size.format(v),
                                  warn: warnT.map { "> \(Size.format($0))" } ?? "", critical: restartT.map { "> \(Size.format($0)) for \(Duration.format(m.sustained))" } ?? "",
                                  state: state, projection: projection, note: note, node: name), at: 0)
    }

    /// A steady straight-line growth over the window; returns the projection shown.
    mutating func evaluateLeak(_ v: UInt64, restartAt: UInt64?, limits m: NodeLimits, inGrace: Bool, node: NodeConfig,
                               now: Now, into d: inout NodeDecisions) -> String {
        leak.add(time: now.monotonic, value: Double(v))
        guard let r = restartAt, let fit = leak.fit() else { return "" }
        let steady = fit.slope > 0 && fit.r2 >= 0.9 && fit.points >= 6 && fit.span >= m.trendWindow * 0.5
            && fit.slope * fit.span >= 0.01 * Double(r)
        let eta = v < r && fit.slope > 0 ? (Double(r) - Double(v)) / fit.slope : 0
        var projection = ""
        if fit.slope > 0 && fit.r2 >= 0.5 && fit.points >= 3 {
            projection = v >= r ? "above restart_above" : "+\(Size.format(UInt64(fit.slope * 3600)))/h, restart_above in ~\(Duration.format(eta))"
        }
        if steady && !leakWarned && !inGrace {
            leakWarned = true
            d.events.append(Event(.leakTrend,
                "node \(name) memory grows steadily: +\(Size.format(UInt64(fit.slope * 3600)))/h over \(Duration.format(fit.span)), now \(Size.format(v)); at this slope it reaches restart_above (\(Size.format(r))) in ~\(Duration.format(eta))",
                fields: fields("node_memory", [("VALUE", String(v)), ("TARGET", node.target), ("THRESHOLD", String(r)),
                                               ("SLOPE", "\(UInt64(fit.slope * 3600)) bytes/h"), ("PROJECTION", Duration.format(eta))])))
        } else if leakWarned && (fit.slope <= 0 || fit.r2 < 0.5) {
            leakWarned = false
            d.events.append(Event(.recovered, "node \(name) memory no longer grows steadily (\(Size.format(v)))",
                                  fields: fields("node_memory_trend", [("VALUE", String(v)), ("TARGET", node.target)])))
        }
        return projection
    }

    /// Opt-in: a container whose HEALTHCHECK stays unhealthy is restarted,
    /// under the same grace and budget as memory restarts.
    mutating func evaluateHealth(_ health: String, node: NodeConfig, policy: inout RestartPolicy, now: Now, into d: inout NodeDecisions) {
        let after = node.restartUnhealthyAfter
        guard after > 0, !health.isEmpty else { return }
        if policy.inGrace(now: now.wall) { unhealthy.reset(); return }
        switch unhealthy.update(breached: health == "unhealthy", clear: health != "unhealthy", now: now.monotonic, sustained: after) {
        case .fired:
            requestRestart(RestartRequest(node: name, check: "container_health", value: health, threshold: Duration.format(after),
                                          reason: "container \(node.target) unhealthy for \(Duration.format(unhealthy.heldFor(now: now.monotonic))) (restart_unhealthy_after = \(Duration.format(after)))"),
                           node: node, policy: &policy, now: now, into: &d)
        case .recovered:
            d.events.append(Event(.recovered, "container \(node.target) is no longer unhealthy (\(health))",
                                  fields: fields("container_health", [("VALUE", health), ("TARGET", node.target)])))
        case nil: break
        }
    }
}
