// The host's memory: MemAvailable against host_available_warn_below (WARNING)
// and host_available_below (the host floor: a node is restarted, which one
// the guard chooses), swap and memory pressure shown. While a node is in its
// grace the host waits for it; after any node's restart or re-arm the
// alarms start afresh, so the floor can fire again.

final class HostMemoryCheck: Check {
    static let declaration = CheckDeclaration("host_memory", readings: [available, swap, pressure], reasons: { node, config in
        switch config.memory.hostFloorRestarts {
        case .none: return []
        case .largest: return ["host_memory"]
        case .inOrder(let names): return names.contains(node.name) ? ["host_memory"] : []
        }
    }) { s in [HostMemoryCheck(s.config, root: s.root)] }

    static let available = ReadingKind("host_memory", "the host's MemAvailable against its warning and its floor",
        gauges: [availableBytes], words: { _, v in v + " available" },
        summary: .init { r in r.state == .error ? "host memory unreadable" : "host \(ReadingText.quantity(r.value)) available" },
        samples: { r, out in if case .bytes(let v) = r.value { out.add(availableBytes, Double(v)) } })
    static let swap = ReadingKind("swap", "swap in use", gauges: [swapUsed],
        words: { r, v in r.figure("total").map { "\(v) of \(ReadingText.quantity($0)) used" } ?? v },
        samples: { r, out in out.add(swapUsed, r.value.number ?? 0) })
    static let pressure = ReadingKind("memory_pressure", "the kernel's memory pressure (PSI some and full)",
        gauges: [pressureSome, pressureFull],
        words: { r, v in "some \(v) full \(r.figure("full").map(ReadingText.quantity) ?? "-") (avg10)" },
        samples: { r, out in
            guard case .percent(let some) = r.value else { return }
            out.add(pressureSome, some / 100)
            if case .percent(let full)? = r.figure("full") { out.add(pressureFull, full / 100) }
        })

    static let availableBytes = Gauge("nodeguard_host_memory_available_bytes", help: "The host's MemAvailable.")
    static let swapUsed = Gauge("nodeguard_host_swap_used_bytes", help: "Swap in use on the host (0 without swap).")
    static let pressureSome = Gauge("nodeguard_host_memory_pressure_some_ratio", help: "PSI memory pressure, some, avg10, as a ratio.")
    static let pressureFull = Gauge("nodeguard_host_memory_pressure_full_ratio", help: "PSI memory pressure, full, avg10, as a ratio.")

    private(set) var config: MemoryConfig
    let root: HostRoot
    /// Without nodes the floor can only be said.
    private var configuredNodes: Bool
    var warnAlarm = SustainedAlarm()
    var floorAlarm = SustainedAlarm()
    var epoch = 0
    var failures = ProbeFailures()
    /// /proc/meminfo and /proc/pressure/memory; tests give a fake one.
    var probe: () -> Result<HostMemory, ProbeError>
    var kind: String { Self.declaration.kind }
    var target: String { "host" }

    init(_ config: Config, root: HostRoot) {
        self.config = config.memory
        self.root = root
        configuredNodes = !config.nodes.isEmpty
        probe = { HostMemoryProbe.read(root) }
    }

    func update(_ new: Config) {
        if new.memory != config { warnAlarm.reset(); floorAlarm.reset() }
        config = new.memory
        configuredNodes = !new.nodes.isEmpty
    }

    func run(_ cycle: inout Cycle) {
        if cycle.restartEpoch != epoch { warnAlarm.reset(); floorAlarm.reset() }
        epoch = cycle.restartEpoch
        guard let h = failures.value(Self.available, target: "host", probe(), &cycle) else {
            warnAlarm.interrupted(); floorAlarm.interrupted()
            return
        }
        cycle.hostTotal = h.total
        let warnFloor = config.hostAvailableWarnBelow.bytes(of: h.total)
        let floor = config.hostAvailableBelow.bytes(of: h.total)
        if cycle.nodesInGrace {
            warnAlarm.reset(); floorAlarm.reset()
        } else {
            alarms(h, warnFloor: warnFloor, floor: floor, &cycle)
        }
        let state: CheckState = h.available < floor ? .critical : h.available < warnFloor ? .warning : .ok
        var notes: [String] = []
        if h.availableEstimated { notes.append("MemAvailable missing (kernel < 3.14): estimated from free, file cache and reclaimable slab") }
        if cycle.nodesInGrace { notes.append("a node was just restarted: waiting for its grace") }
        cycle.readings.append(Reading(Self.available, target: "host", value: .bytes(h.available), figures: [Figure("total", .bytes(h.total))],
                                      warn: Threshold(.below, .bytes(warnFloor)), critical: Threshold(.below, .bytes(floor), sustained: config.sustained),
                                      state: state, notes: notes))
        let swapUsed = h.swapTotal - min(h.swapFree, h.swapTotal)
        cycle.readings.append(Reading(Self.swap, target: "host", value: h.swapTotal > 0 ? .bytes(swapUsed) : .word("none"),
                                      figures: h.swapTotal > 0 ? [Figure("total", .bytes(h.swapTotal))] : []))
        if let some = h.pressureSome10 {
            cycle.readings.append(Reading(Self.pressure, target: "host", value: .percent(some),
                                          figures: h.pressureFull10.map { [Figure("full", .percent($0))] } ?? []))
        }
    }

    func alarms(_ h: HostMemory, warnFloor: UInt64, floor: UInt64, _ cycle: inout Cycle) {
        let m = config, avail = h.available, now = cycle.now.monotonic
        let valueText = "\(Size.format(avail)) of \(Size.format(h.total)) available"
        let fields: [(String, String)] = [("CHECK", "host_memory"), ("VALUE", String(avail)), ("TARGET", "host")]
        switch warnAlarm.update(breached: avail < warnFloor, clear: Double(avail) > Double(warnFloor) * (1 + recoveryMargin), now: now, sustained: m.sustained) {
        case .fired:
            cycle.events.append(Event(.warning, "host memory low: \(valueText), below \(m.hostAvailableWarnBelow) for \(TimeSpan.format(warnAlarm.heldFor(now: now)))",
                                      fields: fields + [("THRESHOLD", String(warnFloor))]))
        case .recovered:
            cycle.events.append(Event(.recovered, "host memory recovered: \(valueText)", fields: fields + [("THRESHOLD", String(warnFloor))]))
        case nil: break
        }
        switch floorAlarm.update(breached: avail < floor, clear: Double(avail) > Double(floor) * (1 + recoveryMargin), now: now, sustained: m.sustained) {
        case .fired:
            let why = "host MemAvailable \(Size.format(avail)) below \(m.hostAvailableBelow) (\(Size.format(floor))) for \(TimeSpan.format(floorAlarm.heldFor(now: now)))"
            if !configuredNodes || m.hostFloorRestarts == .none {
                let nothing = !configuredNodes ? "no [node] is configured" : "host_floor_restarts is \"none\""
                cycle.events.append(Event(.critical, "\(why); \(nothing), so nothing is restarted", fields: fields + [("THRESHOLD", String(floor))]))
            } else {
                cycle.requests.append(.hostFloor(RestartRequest(node: "", check: "host_memory", value: String(avail), threshold: String(floor), reason: why)))
            }
        case .recovered:
            cycle.events.append(Event(.recovered, "host memory back above the floor: \(valueText)", fields: fields + [("THRESHOLD", String(floor))]))
        case nil: break
        }
    }
}
