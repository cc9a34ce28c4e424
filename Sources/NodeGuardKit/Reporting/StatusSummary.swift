// The STATUS= line systemd shows: one short line, whatever the number of
// nodes, from the cycle's readings.

enum StatusSummary {
    /// "node 812 MiB/1.2 GiB, host 640 MiB available, / 41% free", or with
    /// several nodes "3 nodes ok, host 1.1 GiB available, / 41% free, month 312 GB".
    static func line(_ readings: [Reading], nodes: [String], dryRun: Bool) -> String {
        var parts: [String] = []
        if nodes.count == 1, let n = nodes.first {
            parts.append(oneNode(n, readings))
            if let c = find("chain", of: n, readings) { parts.append(chain(c)) }
        } else if !nodes.isEmpty {
            parts.append(severalNodes(nodes, readings))
        }
        for r in readings where r.node == nil {
            switch (r.check, r.state) {
            case ("host_memory", .error): parts.append("host memory unreadable")
            case ("host_memory", _): parts.append("host \(ReadingText.quantity(r.value)) available")
            case ("disk", .error): parts.append("\(r.target) unreadable")
            case ("disk_free", _): parts.append("\(r.target) \(r.figure("free share").map(ReadingText.quantity) ?? "?") free")
            case ("docker_logs", let s) where s != .error: parts.append("docker logs \(ReadingText.quantity(r.value))")
            case ("bandwidth", let s) where s != .error: parts.append(month(r))
            default: break
            }
        }
        if nodes.count == 1, let budget = find("restart_budget", of: nodes[0], readings) {
            if budget.state == .critical { parts.append("RESTART LIMIT REACHED") }
            else if let g = budget.figure("grace left") { parts.append("grace \(ReadingText.quantity(g))") }
        }
        if dryRun { parts.append("dry run") }
        return parts.joined(separator: ", ")
    }

    static func find(_ check: String, of node: String, _ readings: [Reading]) -> Reading? {
        readings.first { $0.node == node && $0.check == check }
    }

    static func oneNode(_ n: String, _ readings: [Reading]) -> String {
        if find("node_running", of: n, readings)?.state == .critical { return "node \(n) not running" }
        guard let m = find("node_memory", of: n, readings) else { return "node ?" }
        if m.state == .error { return "node unreadable" }
        guard let limit = m.critical?.limits.first else { return "node \(ReadingText.quantity(m.value))" }
        return "node \(ReadingText.quantity(m.value))/\(ReadingText.quantity(limit))"
    }

    /// "3 nodes ok", or "3 nodes: 2 ok, dmo critical".
    static func severalNodes(_ nodes: [String], _ readings: [Reading]) -> String {
        var bad: [String] = []
        for n in nodes {
            var worst = CheckState.ok, limit = false, down = false, stuck = false
            for i in readings.indices where readings[i].node == n {
                let state = readings[i].state
                worst = max(worst, state)
                if state == .critical && readings[i].check == "restart_budget" { limit = true }
                if state == .critical && readings[i].check == "node_running" { down = true }
                if state == .critical && readings[i].check == "chain" { stuck = true }
            }
            if limit { bad.append("\(n) restart limit") }
            else if down { bad.append("\(n) down") }
            else if stuck { bad.append("\(n) not following its chain") }
            else if worst != .ok { bad.append("\(n) \(worst.rawValue)") }
        }
        if bad.isEmpty { return "\(nodes.count) nodes ok" }
        let shown = bad.prefix(2).joined(separator: ", ") + (bad.count > 2 ? ", +\(bad.count - 2) more" : "")
        return "\(nodes.count) nodes: \(nodes.count - bad.count) ok, \(shown)"
    }

    /// "height 812", "height 812 syncing", "chain stuck at 812", "rpc ?"
    static func chain(_ r: Reading) -> String {
        guard case .count(let h) = r.value else { return "rpc \(ReadingText.quantity(r.value))" }
        if r.state == .critical { return "chain stuck at \(h)" }
        return "height \(h)" + (r.figure("syncing") != nil ? " syncing" : "")
    }

    /// "month 312 GB of 2 TB (projected 1.6 TB)"
    static func month(_ r: Reading) -> String {
        guard case .bytes(let used) = r.value else { return "month ?" }
        var part = "month \(Size.formatDecimal(used))"
        if case .bytes(let q)? = r.figure("quota") { part += " of \(Size.formatDecimal(q))" }
        if case .month(let m, _)? = r.projection, let e = m.linearEnd { part += " (projected \(Size.formatDecimal(e)))" }
        return part
    }
}
