// A cycle's readings as Prometheus metric families, in base units (bytes,
// seconds, ratios 0-1), named by Prometheus's conventions. Pure: the metrics
// sink writes them (Exposition) to node_exporter's textfile directory.
// Counters that must survive a restart (restarts, bytes freed) are added by
// the sink from its saved totals.

public enum MetricFamilies {
    /// What the cycle's readings say, and nodeguard's own figures.
    public static func gauges(_ readings: [Reading], cycleEnded wall: Double, cycleCPUSeconds: Double,
                              version: String) -> [MetricFamily] {
        var f = Families()
        for r in readings {
            var labels = [("check", r.check), ("target", r.target)]
            if let node = r.node { labels.append(("node", node)) }
            f.add("nodeguard_check_state", "A check's state: 0 ok, 1 warning, 2 critical, 3 error (cannot read).", stateNumber(r.state), labels)
            if let node = r.node { nodeFigures(r, node, into: &f) } else { hostFigures(r, into: &f) }
        }
        f.add("nodeguard_last_cycle_timestamp_seconds", "When nodeguard's last check cycle ended (Unix time); old means nodeguard or its host is stuck or down.", wall, [])
        f.add("nodeguard_cycle_cpu_seconds", "CPU time of nodeguard's last check cycles (moving average).",
              (cycleCPUSeconds * 1e6).rounded() / 1e6, [])
        f.add("nodeguard_build_info", "nodeguard's version, as a label; always 1.", 1, [("version", version)])
        return f.families
    }

    static func stateNumber(_ s: CheckState) -> Double {
        switch s { case .ok: return 0; case .warning: return 1; case .critical: return 2; case .error: return 3 }
    }

    static func nodeFigures(_ r: Reading, _ node: String, into f: inout Families) {
        let label = [("node", node)]
        switch r.check {
        case "node_memory":
            guard let v = r.value.number else { return }
            f.add("nodeguard_node_memory_bytes", "The node's resident anonymous memory (no page cache).", v, label)
            if let w = bytes(r.warn) { f.add("nodeguard_node_memory_warn_bytes", "The node's warn_above.", w, label) }
            if let c = bytes(r.critical) { f.add("nodeguard_node_memory_restart_bytes", "The node's restart_above.", c, label) }
        case "node_running":
            f.add("nodeguard_node_up", "1 while the node's process runs (container, unit or pidfile process), else 0.",
                  r.value == .word("running") ? 1 : 0, label)
        case "restart_budget":
            guard let used = r.value.number, let max = r.figure("max")?.number else { return }
            f.add("nodeguard_node_restarts_left", "Restarts nodeguard may still make in the node's restart_window.", Swift.max(0, max - used), label)
        case "chain":
            if let h = r.value.number { f.add("nodeguard_node_height", "The node's chain height, from its RPC.", h, label) }
            if let a = r.figure("since advanced")?.number {
                f.add("nodeguard_node_height_age_seconds", "Seconds since the node's height last advanced.", a, label)
            }
            if let p = r.figure("peers")?.number { f.add("nodeguard_node_peers", "The node's peers, from its RPC.", p, label) }
            if let l = r.figure("lag")?.number { f.add("nodeguard_node_lag_blocks", "Blocks the node is behind its reference.", l, label) }
            f.add("nodeguard_node_syncing", "1 while the node says it is syncing (initial sync, replay, catching up).",
                  r.figure("syncing") != nil ? 1 : 0, label)
        default: return
        }
    }

    static func hostFigures(_ r: Reading, into f: inout Families) {
        switch (r.check, r.value) {
        case ("host_memory", .bytes(let v)):
            f.add("nodeguard_host_memory_available_bytes", "The host's MemAvailable.", Double(v), [])
        case ("swap", let q):
            f.add("nodeguard_host_swap_used_bytes", "Swap in use on the host (0 without swap).", q.number ?? 0, [])
        case ("memory_pressure", .percent(let some)):
            f.add("nodeguard_host_memory_pressure_some_ratio", "PSI memory pressure, some, avg10, as a ratio.", some / 100, [])
            if case .percent(let full)? = r.figure("full") {
                f.add("nodeguard_host_memory_pressure_full_ratio", "PSI memory pressure, full, avg10, as a ratio.", full / 100, [])
            }
        case ("disk_free", .bytes(let v)):
            f.add("nodeguard_disk_free_bytes", "Bytes free to unprivileged users on the filesystem.", Double(v), [("path", r.target)])
            if case .fullIn(let s)? = r.projection {
                f.add("nodeguard_disk_full_in_seconds", "When the filesystem is full at its recent fill rate.", s, [("path", r.target)])
            }
        case ("disk_inodes", _):
            if let free = r.figure("free")?.number { f.add("nodeguard_disk_free_inodes", "Free inodes on the filesystem.", free, [("path", r.target)]) }
        case ("docker_logs", .bytes(let v)):
            f.add("nodeguard_docker_logs_bytes", "Docker's json-file logs, active and rotated, all containers.", Double(v), [])
        case ("journal", .bytes(let v)):
            f.add("nodeguard_journal_bytes", "The journal's files on disk.", Double(v), [])
        case ("bandwidth", _):
            bandwidth(r, into: &f)
        default: return
        }
    }

    static func bandwidth(_ r: Reading, into f: inout Families) {
        guard case .month(let m, _)? = r.projection else { return }
        let counted = { if case .word(let w)? = r.figure("counted") { return w }; return "both" }()
        let help = "Traffic in the billing month so far."
        f.add("nodeguard_bandwidth_month_bytes", help, Double(m.rx), [("interface", r.target), ("direction", "rx")])
        f.add("nodeguard_bandwidth_month_bytes", help, Double(m.tx), [("interface", r.target), ("direction", "tx")])
        let asCounted = [("interface", r.target), ("direction", counted)]
        if counted == "both" { f.add("nodeguard_bandwidth_month_bytes", help, Double(m.used), asCounted) }
        if let q = r.figure("quota")?.number { f.add("nodeguard_bandwidth_quota_bytes", "The billing month's quota.", q, asCounted) }
        if let e = m.linearEnd {
            f.add("nodeguard_bandwidth_projected_month_bytes", "The billing month's traffic projected to its end.", Double(e), asCounted)
        }
    }

    static func bytes(_ t: Threshold?) -> Double? {
        guard let t else { return nil }
        for l in t.limits { if case .bytes(let b) = l { return Double(b) } }
        return nil
    }

    /// Families by name, in the order first added.
    struct Families {
        var families: [MetricFamily] = []
        /// Looked up by hash: comparing each name in turn was a third of the cost.
        var index: [String: Int] = [:]
        mutating func add(_ name: String, _ help: String, _ value: Double, _ labels: [(String, String)]) {
            let l = labels.map { (name: $0.0, value: $0.1) }
            if let i = index[name] { families[i].add(value, labels: l); return }
            index[name] = families.count
            var fam = MetricFamily(name, .gauge, help: help)
            fam.add(value, labels: l)
            families.append(fam)
        }
    }
}
