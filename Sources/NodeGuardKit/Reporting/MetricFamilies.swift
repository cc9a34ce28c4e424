// A cycle's readings as Prometheus gauges, in base units (bytes, seconds,
// ratios 0-1), named by Prometheus's conventions. Pure: the metrics sink
// writes the bytes to node_exporter's textfile directory, with the counters
// (Counters) after them. This runs every cycle, so each reading becomes a
// few small samples and the text is written straight to bytes: building
// families of strings first cost more than the rest of the cycle.

/// Each gauge nodeguard writes, in the file's order.
enum Gauge: Int, CaseIterable {
    case checkState, nodeMemory, nodeMemoryWarn, nodeMemoryRestart, nodeUp, restartsLeft
    case height, heightAge, peers, lag, syncing
    case hostAvailable, swapUsed, pressureSome, pressureFull
    case diskFree, diskFullIn, diskInodes, dockerLogs, journal
    case bandwidthMonth, bandwidthQuota, bandwidthProjected
    case lastCycle, cycleCPU, buildInfo

    var spec: (name: String, help: String) {
        switch self {
        case .checkState: return ("nodeguard_check_state", "A check's state: 0 ok, 1 warning, 2 critical, 3 error (cannot read).")
        case .nodeMemory: return ("nodeguard_node_memory_bytes", "The node's resident anonymous memory (no page cache).")
        case .nodeMemoryWarn: return ("nodeguard_node_memory_warn_bytes", "The node's warn_above.")
        case .nodeMemoryRestart: return ("nodeguard_node_memory_restart_bytes", "The node's restart_above.")
        case .nodeUp: return ("nodeguard_node_up", "1 while the node's process runs (container, unit or pidfile process), else 0.")
        case .restartsLeft: return ("nodeguard_node_restarts_left", "Restarts nodeguard may still make in the node's restart_window.")
        case .height: return ("nodeguard_node_height", "The node's chain height, from its RPC.")
        case .heightAge: return ("nodeguard_node_height_age_seconds", "Seconds since the node's height last advanced.")
        case .peers: return ("nodeguard_node_peers", "The node's peers, from its RPC.")
        case .lag: return ("nodeguard_node_lag_blocks", "Blocks the node is behind its reference.")
        case .syncing: return ("nodeguard_node_syncing", "1 while the node says it is syncing (initial sync, replay, catching up).")
        case .hostAvailable: return ("nodeguard_host_memory_available_bytes", "The host's MemAvailable.")
        case .swapUsed: return ("nodeguard_host_swap_used_bytes", "Swap in use on the host (0 without swap).")
        case .pressureSome: return ("nodeguard_host_memory_pressure_some_ratio", "PSI memory pressure, some, avg10, as a ratio.")
        case .pressureFull: return ("nodeguard_host_memory_pressure_full_ratio", "PSI memory pressure, full, avg10, as a ratio.")
        case .diskFree: return ("nodeguard_disk_free_bytes", "Bytes free to unprivileged users on the filesystem.")
        case .diskFullIn: return ("nodeguard_disk_full_in_seconds", "When the filesystem is full at its recent fill rate.")
        case .diskInodes: return ("nodeguard_disk_free_inodes", "Free inodes on the filesystem.")
        case .dockerLogs: return ("nodeguard_docker_logs_bytes", "Docker's json-file logs, active and rotated, all containers.")
        case .journal: return ("nodeguard_journal_bytes", "The journal's files on disk.")
        case .bandwidthMonth: return ("nodeguard_bandwidth_month_bytes", "Traffic in the billing month so far.")
        case .bandwidthQuota: return ("nodeguard_bandwidth_quota_bytes", "The billing month's quota.")
        case .bandwidthProjected: return ("nodeguard_bandwidth_projected_month_bytes", "The billing month's traffic projected to its end.")
        case .lastCycle: return ("nodeguard_last_cycle_timestamp_seconds", "When nodeguard's last check cycle ended (Unix time); old means nodeguard or its host is stuck or down.")
        case .cycleCPU: return ("nodeguard_cycle_cpu_seconds", "CPU time of nodeguard's last check cycles (moving average).")
        case .buildInfo: return ("nodeguard_build_info", "nodeguard's version, as a label; always 1.")
        }
    }

    /// Each family's HELP and TYPE lines, made once.
    static let headers: [[UInt8]] = allCases.map { g in
        var out: [UInt8] = []
        Exposition.header(g.spec.name, help: g.spec.help, type: .gauge, into: &out)
        return out
    }
}

public enum MetricFamilies {
    typealias Label = (name: StaticString, value: String)

    /// One series: a gauge, up to three labels (no array to allocate), a value.
    struct Sample {
        var gauge: Gauge
        var value: Double
        var labels: (Label?, Label?, Label?) = (nil, nil, nil)
    }

    /// What the cycle's readings say, and nodeguard's own figures, as text.
    public static func gauges(_ readings: [Reading], cycleEnded wall: Double, cycleCPUSeconds: Double, version: String) -> [UInt8] {
        var samples: [Sample] = []
        samples.reserveCapacity(readings.count * 3 + 3)
        // Two disks of one path are two readings but one series: Prometheus
        // refuses a whole file that has a series twice.
        var seen = Set<ReadingKey>()
        for r in readings where seen.insert(ReadingKey(check: r.check, target: r.target, node: r.node)).inserted {
            samples.append(Sample(gauge: .checkState, value: stateNumber(r.state),
                                  labels: (("check", r.check), ("target", r.target), r.node.map { ("node", $0) })))
            if let node = r.node { nodeFigures(r, node, into: &samples) } else { hostFigures(r, into: &samples) }
        }
        samples.append(Sample(gauge: .lastCycle, value: wall))
        samples.append(Sample(gauge: .cycleCPU, value: (cycleCPUSeconds * 1e6).rounded() / 1e6))
        samples.append(Sample(gauge: .buildInfo, value: 1, labels: (("version", version), nil, nil)))
        return render(samples)
    }

    struct ReadingKey: Hashable { var check: String; var target: String; var node: String? }

    /// Family after family, in Gauge's order; a family without series is left out.
    static func render(_ samples: [Sample]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        // The gauges alone, to look through once a family: a Sample copied
        // out for each comparison (its labels retained and released) cost
        // more than writing the file.
        var kinds: [UInt8] = []
        kinds.reserveCapacity(samples.count)
        for s in samples { kinds.append(UInt8(s.gauge.rawValue)) }
        samples.withUnsafeBufferPointer { all in
            for g in Gauge.allCases {
                var first = true
                for i in kinds.indices where kinds[i] == g.rawValue {
                    if first { out += Gauge.headers[g.rawValue]; first = false }
                    line(g, all[i], into: &out)
                }
            }
        }
        return out
    }

    static func line(_ g: Gauge, _ s: Sample, into out: inout [UInt8]) {
        Exposition.append(g.spec.name, &out)
        var open = false
        func label(_ l: Label?) {
            guard let l else { return }
            Exposition.label(l.name, l.value, first: !open, into: &out)
            open = true
        }
        label(s.labels.0); label(s.labels.1); label(s.labels.2)
        if open { out.append(UInt8(ascii: "}")) }
        out.append(0x20)
        Exposition.format(s.value, into: &out)
        out.append(0x0A)
    }

    static func stateNumber(_ s: CheckState) -> Double {
        switch s { case .ok: return 0; case .warning: return 1; case .critical: return 2; case .error: return 3 }
    }

    static func nodeFigures(_ r: Reading, _ node: String, into out: inout [Sample]) {
        func add(_ g: Gauge, _ v: Double) { out.append(Sample(gauge: g, value: v, labels: (("node", node), nil, nil))) }
        switch r.check {
        case "node_memory":
            guard let v = r.value.number else { return }
            add(.nodeMemory, v)
            if let w = bytes(r.warn) { add(.nodeMemoryWarn, w) }
            if let c = bytes(r.critical) { add(.nodeMemoryRestart, c) }
        case "node_running":
            add(.nodeUp, r.value == .word("running") ? 1 : 0)
        case "restart_budget":
            guard let used = r.value.number, let max = r.figure("max")?.number else { return }
            add(.restartsLeft, Swift.max(0, max - used))
        case "chain":
            if let h = r.value.number { add(.height, h) }
            if let a = r.figure("since advanced")?.number { add(.heightAge, a) }
            if let p = r.figure("peers")?.number { add(.peers, p) }
            if let l = r.figure("lag")?.number { add(.lag, l) }
            add(.syncing, r.figure("syncing") != nil ? 1 : 0)
        default: return
        }
    }

    static func hostFigures(_ r: Reading, into out: inout [Sample]) {
        func add(_ g: Gauge, _ v: Double, _ label: Label? = nil) { out.append(Sample(gauge: g, value: v, labels: (label, nil, nil))) }
        switch (r.check, r.value) {
        case ("host_memory", .bytes(let v)): add(.hostAvailable, Double(v))
        case ("swap", let q): add(.swapUsed, q.number ?? 0)
        case ("memory_pressure", .percent(let some)):
            add(.pressureSome, some / 100)
            if case .percent(let full)? = r.figure("full") { add(.pressureFull, full / 100) }
        case ("disk_free", .bytes(let v)):
            add(.diskFree, Double(v), ("path", r.target))
            if case .fullIn(let s)? = r.projection { add(.diskFullIn, s, ("path", r.target)) }
        case ("disk_inodes", _):
            if let free = r.figure("free")?.number { add(.diskInodes, free, ("path", r.target)) }
        case ("docker_logs", .bytes(let v)): add(.dockerLogs, Double(v))
        case ("journal", .bytes(let v)): add(.journal, Double(v))
        case ("bandwidth", _): bandwidth(r, into: &out)
        default: return
        }
    }

    static func bandwidth(_ r: Reading, into out: inout [Sample]) {
        guard case .month(let m, _)? = r.projection else { return }
        let counted = { if case .word(let w)? = r.figure("counted") { return w }; return "both" }()
        func add(_ g: Gauge, _ v: Double, _ direction: String) {
            out.append(Sample(gauge: g, value: v, labels: (("interface", r.target), ("direction", direction), nil)))
        }
        add(.bandwidthMonth, Double(m.rx), "rx")
        add(.bandwidthMonth, Double(m.tx), "tx")
        if counted == "both" { add(.bandwidthMonth, Double(m.used), counted) }
        if let q = r.figure("quota")?.number { add(.bandwidthQuota, q, counted) }
        if let e = m.linearEnd { add(.bandwidthProjected, Double(e), counted) }
    }

    static func bytes(_ t: Threshold?) -> Double? {
        guard let t else { return nil }
        for l in t.limits { if case .bytes(let b) = l { return Double(b) } }
        return nil
    }
}
