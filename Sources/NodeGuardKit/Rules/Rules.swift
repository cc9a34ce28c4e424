// The host's rules: from one cycle's sample of the host's memory and disks,
// and the memory of past cycles, what to log, what the status view shows,
// whether the host floor asks for a node's restart, and which disks are at
// critical. Each node's rules are its own (NodeRules). No I/O here.

/// What the host probes read in one cycle (each node's sample is its own).
public struct Sample: Sendable {
    public var host: Result<HostMemory, ProbeError>
    public var disks: [(path: String, usage: Result<DiskUsage, ProbeError>)]

    public init(host: Result<HostMemory, ProbeError>, disks: [(path: String, usage: Result<DiskUsage, ProbeError>)]) {
        self.host = host; self.disks = disks
    }
}

public struct Decisions: Sendable {
    public var events: [Event] = []
    public var checks: [CheckView] = []
    /// The host floor held: a node is to be restarted (which one, the guard chooses).
    public var hostFloor: RestartRequest?
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

/// The host's rules: its memory and its disks. Each node has its own (NodeRules).
public struct Rules: Sendable {
    public private(set) var config: Config
    var hostWarn = SustainedAlarm()
    var hostFloor = SustainedAlarm()
    var disks: [String: DiskRuleState] = [:]
    /// Probes that failed, so the failure is logged once, and its end.
    var failures = ProbeFailures()

    public init(config: Config) {
        self.config = config
    }

    /// A reload keeps what was learnt (alarms, trends) when it still applies.
    public mutating func apply(_ new: Config) {
        let old = config
        config = new
        if old.memory != new.memory { resetHostAlarms() }
        if old.disk != new.disk { disks = [:] }
    }

    /// After a node restart the host's memory is measured afresh; and when a
    /// node may be restarted again, the floor may fire again.
    public mutating func resetHostAlarms() { hostWarn.reset(); hostFloor.reset() }

    // MARK: one cycle

    /// `nodesInGrace`: a node was just restarted, the host's memory waits for it.
    public mutating func evaluate(_ s: Sample, now: Now, nodesInGrace: Bool = false) -> Decisions {
        var d = Decisions()
        if let host = probeResult("host_memory", target: "host", s.host, into: &d) {
            evaluateHost(host, now: now, inGrace: nodesInGrace, into: &d)
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
        failures.value(check, target: target, r, events: &d.events, checks: &d.checks)
    }

    // MARK: host memory

    mutating func evaluateHost(_ h: HostMemory, now: Now, inGrace: Bool, into d: inout Decisions) {
        let m = config.memory
        let warnFloor = m.hostAvailableWarnBelow.bytes(of: h.total)
        let floor = m.hostAvailableBelow.bytes(of: h.total)
        let avail = h.available
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
                if config.nodes.isEmpty || config.memory.hostFloorRestarts == .none {
                    let nothing = config.nodes.isEmpty ? "no [node] is configured" : "host_floor_restarts is \"none\""
                    d.events.append(Event(.critical, "\(why); \(nothing), so nothing is restarted", fields: fields + [("THRESHOLD", String(floor))]))
                } else {
                    d.hostFloor = RestartRequest(node: "", check: "host_memory", value: String(avail), threshold: String(floor), reason: why)
                }
            case .recovered:
                d.events.append(Event(.recovered, "host memory back above the floor: \(valueText)", fields: fields + [("THRESHOLD", String(floor))]))
            case nil: break
            }
        }
        let state: CheckState = avail < floor ? .critical : avail < warnFloor ? .warning : .ok
        var note = h.availableEstimated ? "MemAvailable missing (kernel < 3.14): estimated from free, file cache and reclaimable slab" : ""
        if inGrace { note = joinNote(note, "a node was just restarted: waiting for its grace") }
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
