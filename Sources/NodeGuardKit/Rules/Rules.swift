// Rules: decide, from one cycle's sample and the memory of past cycles, what
// to log, what the status view shows, and whether the node must be restarted.
// No I/O here: the sample comes in, decisions go out.

/// What the probes read in one cycle.
public struct Sample: Sendable {
    public var host: Result<HostMemory, ProbeError>
    /// nil when no node is configured.
    public var node: Result<NodeMemory, ProbeError>?
    public var disks: [(path: String, usage: Result<DiskUsage, ProbeError>)]
    /// A container node's HEALTHCHECK status ("healthy", "unhealthy", "starting"); nil when unknown.
    public var nodeHealth: String?

    public init(host: Result<HostMemory, ProbeError>, node: Result<NodeMemory, ProbeError>?, disks: [(path: String, usage: Result<DiskUsage, ProbeError>)],
                nodeHealth: String? = nil) {
        self.host = host; self.node = node; self.disks = disks; self.nodeHealth = nodeHealth
    }
}

public struct RestartRequest: Equatable, Sendable {
    public var check: String
    public var value: String
    public var threshold: String
    public var reason: String
}

public struct Decisions: Sendable {
    public var events: [Event] = []
    public var checks: [CheckView] = []
    public var restart: RestartRequest?
    /// Disks that reached critical: space is reclaimed and they are measured
    /// again before CRIT is logged (see confirmDiskCritical).
    public var disksToReclaim: [String] = []
}

public enum DiskLevel: Int, Comparable, Sendable {
    case ok, warning, critical
    public static func < (a: DiskLevel, b: DiskLevel) -> Bool { a.rawValue < b.rawValue }
    var state: CheckState { self == .ok ? .ok : self == .warning ? .warning : .critical }
}

struct DiskRuleState: Sendable {
    var space = DiskLevel.ok
    var inodes = DiskLevel.ok
    var fill: TrendWindow
}

public struct Rules: Sendable {
    public private(set) var config: Config
    public internal(set) var policy: RestartPolicy
    var nodeWarn = SustainedAlarm()
    var nodeRestart = SustainedAlarm()
    var hostWarn = SustainedAlarm()
    var hostFloor = SustainedAlarm()
    var unhealthy = SustainedAlarm()
    var leak: TrendWindow
    var leakWarned = false
    var disks: [String: DiskRuleState] = [:]
    /// Checks whose probe failed, so the failure is logged once, and its end.
    var failing: Set<String> = []

    public init(config: Config) {
        self.config = config
        policy = RestartPolicy(grace: config.node.grace, maxRestarts: config.node.maxRestarts, window: config.node.restartWindow)
        leak = TrendWindow(window: config.memory.trendWindow)
    }

    /// A reload keeps what was learnt (restart history, alarms, trends) when it
    /// still applies; a changed window starts its fit afresh.
    public mutating func apply(_ new: Config) {
        let old = config
        config = new
        policy.grace = new.node.grace
        policy.maxRestarts = new.node.maxRestarts
        policy.window = new.node.restartWindow
        if old.node != new.node || old.memory != new.memory {
            nodeWarn.reset(); nodeRestart.reset(); hostWarn.reset(); hostFloor.reset()
            leakWarned = false
        }
        if old.memory.trendWindow != new.memory.trendWindow || old.node.name != new.node.name {
            leak = TrendWindow(window: new.memory.trendWindow)
        }
        if old.disk != new.disk { disks = [:] }
    }

    // MARK: one cycle

    public mutating func evaluate(_ s: Sample, now: Now) -> Decisions {
        var d = Decisions()
        if policy.rearm(now: now.wall) {
            resetRestartAlarms()
            d.events.append(Event(.restartRearmed,
                "nodeguard may restart \(config.node.name) again: \(policy.restartsInWindow(now: now.wall)) restarts in the last \(Duration.format(config.node.restartWindow)), max_restarts = \(config.node.maxRestarts)",
                fields: [("ACTION", "rearm"), ("TARGET", config.node.name)]))
        }
        let host = probeResult("host_memory", target: "host", s.host, into: &d)
        if let host { evaluateHost(host, now: now, into: &d) }
        if let nodeResult = s.node {
            if let node = probeResult("node_memory", target: config.node.name, nodeResult, into: &d) {
                evaluateNode(node, total: host?.total, now: now, into: &d)
            }
            if let health = s.nodeHealth { evaluateHealth(health, now: now, into: &d) }
        }
        for (path, usage) in s.disks {
            if let u = probeResult("disk", target: path, usage, into: &d) {
                evaluateDisk(u, now: now, into: &d)
            }
        }
        return d
    }

    /// Logs a probe failure once and its recovery once; returns the value if read.
    mutating func probeResult<T>(_ check: String, target: String, _ r: Result<T, ProbeError>, into d: inout Decisions) -> T? {
        let key = check + " " + target
        switch r {
        case .success(let v):
            if failing.remove(key) != nil {
                d.events.append(Event(.recovered, "\(check) \(target) can be read again", fields: [("CHECK", check), ("TARGET", target)]))
            }
            return v
        case .failure(let e):
            if failing.insert(key).inserted {
                d.events.append(Event(.probeFailed, e.message, fields: [("CHECK", check), ("TARGET", target)]))
            }
            d.checks.append(CheckView(check: check, target: target, value: "?", state: .error, note: e.message))
            return nil
        }
    }

    // MARK: host memory

    mutating func evaluateHost(_ h: HostMemory, now: Now, into d: inout Decisions) {
        let m = config.memory
        let warnFloor = m.hostAvailableWarnBelow.bytes(of: h.total)
        let floor = m.hostAvailableBelow.bytes(of: h.total)
        let avail = h.available
        let inGrace = policy.inGrace(now: now.wall) && config.node.isConfigured
        let valueText = "\(Size.format(avail)) of \(Size.format(h.total)) available"
        let fields: [(String, String)] = [("CHECK", "host_memory"), ("VALUE", String(avail)), ("TARGET", "host")]

        if inGrace {
            hostWarn.reset(); hostFloor.reset()
        } else {
            switch hostWarn.update(breached: avail < warnFloor, clear: Double(avail) > Double(warnFloor) * (1 + recoveryMargin),
                                   now: now.monotonic, sustained: m.sustained) {
            case .fired:
                d.events.append(Event(.warning, "host memory low: \(valueText), below \(m.hostAvailableWarnBelow) for \(Duration.format(hostWarn.heldFor(now: now.monotonic)))",
                                      fields: fields + [("THRESHOLD", String(warnFloor))]))
            case .recovered:
                d.events.append(Event(.recovered, "host memory recovered: \(valueText)", fields: fields + [("THRESHOLD", String(warnFloor))]))
            case nil: break
            }
            switch hostFloor.update(breached: avail < floor, clear: Double(avail) > Double(floor) * (1 + recoveryMargin),
                                    now: now.monotonic, sustained: m.sustained) {
            case .fired:
                let why = "host MemAvailable \(Size.format(avail)) below \(m.hostAvailableBelow) (\(Size.format(floor))) for \(Duration.format(hostFloor.heldFor(now: now.monotonic)))"
                if config.node.isConfigured {
                    requestRestart(RestartRequest(check: "host_memory", value: String(avail), threshold: String(floor), reason: why), now: now, into: &d)
                } else {
                    d.events.append(Event(.critical, "\(why); no [node] is configured, so nothing is restarted",
                                          fields: fields + [("THRESHOLD", String(floor))]))
                }
            case .recovered:
                d.events.append(Event(.recovered, "host memory back above the floor: \(valueText)", fields: fields + [("THRESHOLD", String(floor))]))
            case nil: break
            }
        }
        let state: CheckState = avail < floor ? .critical : avail < warnFloor ? .warning : .ok
        var note = h.availableEstimated ? "MemAvailable missing (kernel < 3.14): estimated from free, file cache and reclaimable slab" : ""
        if inGrace { note = joinNote(note, "grace after restart: \(Duration.format(policy.graceLeft(now: now.wall))) left") }
        d.checks.append(CheckView(check: "host_memory", target: "host", value: "\(Size.format(avail)) available",
                                  warn: "< \(Size.format(warnFloor))", critical: "< \(Size.format(floor))", state: state, note: note))
        if h.swapTotal > 0 {
            let used = h.swapTotal - min(h.swapFree, h.swapTotal)
            d.checks.append(CheckView(check: "swap", target: "host", value: "\(Size.format(used)) of \(Size.format(h.swapTotal)) used", state: .ok))
        } else {
            d.checks.append(CheckView(check: "swap", target: "host", value: "none", state: .ok))
        }
        if let some = h.pressureSome10 {
            let full = h.pressureFull10.map { String(format2($0)) } ?? "-"
            d.checks.append(CheckView(check: "memory_pressure", target: "host", value: "some \(format2(some))% full \(full)% (avg10)", state: .ok))
        }
    }

    // MARK: node memory

    mutating func evaluateNode(_ n: NodeMemory, total: UInt64?, now: Now, into d: inout Decisions) {
        let m = config.memory
        let name = config.node.name
        // Shares need the host's MemTotal; without it only byte thresholds apply.
        func threshold(_ a: Amount) -> UInt64? {
            if case .share = a, total == nil { return nil }
            return a.bytes(of: total ?? 0)
        }
        let v = n.anonBytes
        let warnT = threshold(m.warnAbove), restartT = threshold(m.restartAbove)
        let fields: [(String, String)] = [("CHECK", "node_memory"), ("VALUE", String(v)), ("TARGET", name)]
        let inGrace = policy.inGrace(now: now.wall)

        if inGrace {
            nodeWarn.reset(); nodeRestart.reset()
        } else {
            if let w = warnT {
                switch nodeWarn.update(breached: v > w, clear: Double(v) < Double(w) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    d.events.append(Event(.warning, "node \(name) memory \(Size.format(v)) above \(m.warnAbove) (\(Size.format(w))) for \(Duration.format(nodeWarn.heldFor(now: now.monotonic)))",
                                          fields: fields + [("THRESHOLD", String(w))]))
                case .recovered:
                    d.events.append(Event(.recovered, "node \(name) memory back to \(Size.format(v))", fields: fields + [("THRESHOLD", String(w))]))
                case nil: break
                }
            }
            if let r = restartT {
                switch nodeRestart.update(breached: v > r, clear: Double(v) < Double(r) * (1 - recoveryMargin), now: now.monotonic, sustained: m.sustained) {
                case .fired:
                    let why = "node \(name) memory \(Size.format(v)) above restart_above \(m.restartAbove) (\(Size.format(r))) for \(Duration.format(nodeRestart.heldFor(now: now.monotonic)))"
                    requestRestart(RestartRequest(check: "node_memory", value: String(v), threshold: String(r), reason: why), now: now, into: &d)
                case .recovered:
                    d.events.append(Event(.recovered, "node \(name) memory back below restart_above: \(Size.format(v))", fields: fields + [("THRESHOLD", String(r))]))
                case nil: break
                }
            }
        }

        // Leak trend: a steady straight-line growth over the window.
        leak.add(time: now.monotonic, value: Double(v))
        var projection = ""
        if let r = restartT, let fit = leak.fit() {
            let steady = fit.slope > 0 && fit.r2 >= 0.9 && fit.points >= 6 && fit.span >= m.trendWindow * 0.5
                && fit.slope * fit.span >= 0.01 * Double(r)
            let eta = v < r && fit.slope > 0 ? (Double(r) - Double(v)) / fit.slope : 0
            if fit.slope > 0 && fit.r2 >= 0.5 && fit.points >= 3 {
                projection = v >= r ? "above restart_above" : "+\(Size.format(UInt64(fit.slope * 3600)))/h, restart_above in ~\(Duration.format(eta))"
            }
            if steady && !leakWarned && !inGrace {
                leakWarned = true
                d.events.append(Event(.leakTrend,
                    "node \(name) memory grows steadily: +\(Size.format(UInt64(fit.slope * 3600)))/h over \(Duration.format(fit.span)), now \(Size.format(v)); at this slope it reaches restart_above (\(Size.format(r))) in ~\(Duration.format(eta))",
                    fields: fields + [("THRESHOLD", String(r)), ("SLOPE", "\(UInt64(fit.slope * 3600)) bytes/h"), ("PROJECTION", Duration.format(eta))]))
            } else if leakWarned && (fit.slope <= 0 || fit.r2 < 0.5) {
                leakWarned = false
                d.events.append(Event(.recovered, "node \(name) memory no longer grows steadily (\(Size.format(v)))",
                                      fields: [("CHECK", "node_memory_trend"), ("VALUE", String(v)), ("TARGET", name)]))
            }
        }

        let state: CheckState = restartT.map { v > $0 } == true ? .critical : warnT.map { v > $0 } == true ? .warning : .ok
        var note = ""
        if inGrace { note = "grace after restart: \(Duration.format(policy.graceLeft(now: now.wall))) left" }
        if policy.limitReached { note = joinNote(note, "restart limit reached: \(policy.restartsInWindow(now: now.wall)) restarts in \(Duration.format(config.node.restartWindow)); not restarting") }
        if restartT == nil { note = joinNote(note, "host MemTotal unknown: share thresholds cannot apply") }
        d.checks.insert(CheckView(check: "node_memory", target: name, value: Size.format(v),
                                  warn: warnT.map { "> \(Size.format($0))" } ?? "", critical: restartT.map { "> \(Size.format($0)) for \(Duration.format(m.sustained))" } ?? "",
                                  state: state, projection: projection, note: note), at: 0)
    }

    /// Opt-in: a container whose HEALTHCHECK stays unhealthy is restarted,
    /// under the same grace and rate limit as memory restarts.
    mutating func evaluateHealth(_ health: String, now: Now, into d: inout Decisions) {
        let after = config.node.restartUnhealthyAfter
        guard after > 0, !health.isEmpty else { return }
        if policy.inGrace(now: now.wall) { unhealthy.reset(); return }
        switch unhealthy.update(breached: health == "unhealthy", clear: health != "unhealthy", now: now.monotonic, sustained: after) {
        case .fired:
            requestRestart(RestartRequest(check: "container_health", value: health, threshold: Duration.format(after),
                                          reason: "container \(config.node.name) unhealthy for \(Duration.format(unhealthy.heldFor(now: now.monotonic))) (restart_unhealthy_after = \(Duration.format(after)))"),
                           now: now, into: &d)
        case .recovered:
            d.events.append(Event(.recovered, "container \(config.node.name) is no longer unhealthy (\(health))",
                                  fields: [("CHECK", "container_health"), ("VALUE", health), ("TARGET", config.node.name)]))
        case nil: break
        }
    }

    mutating func requestRestart(_ r: RestartRequest, now: Now, into d: inout Decisions) {
        switch policy.permit(now: now.wall) {
        case .allowed:
            if d.restart == nil { d.restart = r }
        case .limitJustReached(let count):
            d.events.append(Event(.restartLimit,
                "\(r.reason); not restarting \(config.node.name): it was restarted \(count) times within \(Duration.format(config.node.restartWindow)) (max_restarts = \(config.node.maxRestarts)). nodeguard keeps watching and re-arms when the window has passed",
                fields: [("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("ACTION", "none"), ("TARGET", config.node.name)]))
        case .limited:
            break
        }
    }

    /// Every alarm that can ask for a restart, in one list: a re-arm that
    /// forgot one left that rule fired for good (a container that stayed
    /// unhealthy was never restarted again after its window re-armed).
    mutating func resetRestartAlarms() {
        nodeRestart.reset(); hostFloor.reset(); unhealthy.reset()
    }

    /// Called after the restart was attempted (or, in dry run, decided): starts
    /// the grace period and forgets the node's pre-restart memory.
    public mutating func restartAttempted(now: Now) {
        policy.record(now: now.wall)
        resetRestartAlarms()
        nodeWarn.reset(); hostWarn.reset()
        leak.clear()
        leakWarned = false
    }

    // MARK: disk

    func spaceLevel(_ u: DiskUsage, scale: Double) -> DiskLevel {
        let c = config.disk
        let share = u.freeShare, free = Double(u.freeBytes)
        if share < c.criticalFreeBelow * scale || free < Double(c.criticalFreeBytesBelow) * scale { return .critical }
        if share < c.warnFreeBelow * scale || free < Double(c.warnFreeBytesBelow) * scale { return .warning }
        return .ok
    }

    func inodeLevel(_ u: DiskUsage, scale: Double) -> DiskLevel {
        let c = config.disk
        if u.freeInodesShare < c.criticalInodesFreeBelow * scale { return .critical }
        if u.freeInodesShare < c.warnInodesFreeBelow * scale { return .warning }
        return .ok
    }

    /// Worse levels apply at once; better ones only past the margin.
    static func nextLevel(current: DiskLevel, raw: DiskLevel, withMargin: DiskLevel) -> DiskLevel {
        raw >= current ? raw : min(current, withMargin)
    }

    mutating func evaluateDisk(_ u: DiskUsage, now: Now, into d: inout Decisions) {
        var st = disks[u.path] ?? DiskRuleState(fill: TrendWindow(window: config.disk.fillRateWindow, maxPoints: 64))
        st.fill.add(time: now.monotonic, value: Double(u.totalBytes - min(u.freeBytes, u.totalBytes)))
        let projection = fillProjection(st.fill, free: u.freeBytes)
        let c = config.disk

        let space = Rules.nextLevel(current: st.space, raw: spaceLevel(u, scale: 1), withMargin: spaceLevel(u, scale: 1 + recoveryMargin * 4))
        if space != st.space {
            if space == .critical {
                // Reclaim first, CRIT only if that was not enough.
                d.disksToReclaim.append(u.path)
            } else {
                d.events.append(diskEvent(u, level: space, from: st.space, projection: projection))
                st.space = space
            }
        }
        let inodes = Rules.nextLevel(current: st.inodes, raw: inodeLevel(u, scale: 1), withMargin: inodeLevel(u, scale: 1 + recoveryMargin * 4))
        if inodes != st.inodes {
            let fields: [(String, String)] = [("CHECK", "disk_inodes"), ("VALUE", String(u.freeInodes)), ("TARGET", u.path)]
            let text = "\(u.path): \(u.freeInodes) inodes free (\(Share.format(u.freeInodesShare)))"
            switch inodes {
            case .critical: d.events.append(Event(.critical, "\(text), below \(Share.format(c.criticalInodesFreeBelow)): new files will fail; find directories with many small files", fields: fields + [("THRESHOLD", Share.format(c.criticalInodesFreeBelow))]))
            case .warning: d.events.append(Event(.warning, "\(text), below \(Share.format(c.warnInodesFreeBelow))", fields: fields + [("THRESHOLD", Share.format(c.warnInodesFreeBelow))]))
            case .ok: d.events.append(Event(.recovered, "\(text): inodes recovered", fields: fields))
            }
            st.inodes = inodes
        }
        disks[u.path] = st
        d.checks.append(diskView(u, level: st.space, projection: projection))
        d.checks.append(CheckView(check: "disk_inodes", target: u.path, value: "\(Share.format(u.freeInodesShare)) free",
                                  warn: "< \(Share.format(c.warnInodesFreeBelow))", critical: "< \(Share.format(c.criticalInodesFreeBelow))",
                                  state: st.inodes.state))
    }

    /// After reclaiming space on a disk that reached critical, with a fresh
    /// measurement: logs CRIT if it is still critical, or the level it is at now.
    public mutating func confirmDiskCritical(_ result: Result<DiskUsage, ProbeError>, path: String, reclaimed: String, now: Now, into d: inout Decisions) {
        guard case .success(let u) = result, var st = disks[path] else { return }
        let level = spaceLevel(u, scale: 1)
        let projection = fillProjection(st.fill, free: u.freeBytes)
        if level != st.space {
            var e = diskEvent(u, level: level, from: st.space, projection: projection)
            if level == .critical && !reclaimed.isEmpty { e.message += "; \(reclaimed)" }
            d.events.append(e)
            st.space = level
            disks[path] = st
        }
        if let i = d.checks.firstIndex(where: { $0.check == "disk_free" && $0.target == path }) {
            d.checks[i] = diskView(u, level: st.space, projection: projection)
        }
    }

    func diskView(_ u: DiskUsage, level: DiskLevel, projection: String) -> CheckView {
        let c = config.disk
        return CheckView(check: "disk_free", target: u.path, value: "\(Size.format(u.freeBytes)) free (\(Share.format(u.freeShare)))",
                         warn: "< \(Share.format(c.warnFreeBelow)) or \(Size.format(c.warnFreeBytesBelow))",
                         critical: "< \(Share.format(c.criticalFreeBelow)) or \(Size.format(c.criticalFreeBytesBelow))",
                         state: level.state, projection: projection)
    }

    func diskEvent(_ u: DiskUsage, level: DiskLevel, from: DiskLevel, projection: String) -> Event {
        let c = config.disk
        let text = "\(u.path): \(Size.format(u.freeBytes)) free (\(Share.format(u.freeShare))) of \(Size.format(u.totalBytes))"
        let proj = projection.isEmpty ? "" : ", \(projection)"
        var fields: [(String, String)] = [("CHECK", "disk_free"), ("VALUE", String(u.freeBytes)), ("TARGET", u.path)]
        if !projection.isEmpty { fields.append(("PROJECTION", projection)) }
        switch level {
        case .critical:
            return Event(.critical, "\(text), below \(Share.format(c.criticalFreeBelow)) or \(Size.format(c.criticalFreeBytesBelow))\(proj): free space now, a full disk corrupts the node's database",
                         fields: fields + [("THRESHOLD", Share.format(c.criticalFreeBelow))])
        case .warning:
            return Event(.warning, "\(text), below \(Share.format(c.warnFreeBelow)) or \(Size.format(c.warnFreeBytesBelow))\(proj)\(from == .critical ? " (no longer critical)" : "")",
                         fields: fields + [("THRESHOLD", Share.format(c.warnFreeBelow))])
        case .ok:
            return Event(.recovered, "\(text): disk space recovered", fields: fields)
        }
    }

    /// "full in ~12 days" from the fill rate; empty when the disk is not filling.
    func fillProjection(_ w: TrendWindow, free: UInt64) -> String {
        guard let fit = w.fit(), fit.slope > 0, fit.span >= 60 else { return "" }
        return "full in ~\(Duration.format(Double(free) / fit.slope))"
    }
}

func joinNote(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a); \(b)" }

func format2(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded())
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
}
