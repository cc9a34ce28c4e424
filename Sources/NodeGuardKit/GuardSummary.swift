// The STATUS= line systemd shows: one short line, whatever the number of nodes.

extension Guard {
    /// "node 812 MiB/1.2 GiB, host 640 MiB available, / 41% free", or with
    /// several nodes "3 nodes ok, host 1.1 GiB available, / 41% free, month 312 GB".
    func summary(_ s: Sample, now: Now) -> String {
        var parts: [String] = []
        let total = (try? s.host.get())?.total
        if nodes.count == 1, let n = nodes.first {
            parts.append(oneNode(n, total: total, now: now))
        } else if !nodes.isEmpty {
            parts.append(severalNodes(now: now))
        }
        switch s.host {
        case .success(let h): parts.append("host \(Size.format(h.available)) available")
        case .failure: parts.append("host memory unreadable")
        }
        for (path, usage) in s.disks {
            switch usage {
            case .success(let u): parts.append("\(path) \(Share.format(u.freeShare)) free")
            case .failure: parts.append("\(path) unreadable")
            }
        }
        if dockerLogs.view != nil { parts.append("docker logs \(Size.format(dockerLogs.total))") }
        if config.bandwidth.enabled, let p = bandwidth.projection {
            var part = "month \(Size.formatDecimal(p.used))"
            if config.bandwidth.quota > 0 { part += " of \(Size.formatDecimal(config.bandwidth.quota))" }
            if let e = p.linearEnd { part += " (projected \(Size.formatDecimal(e)))" }
            parts.append(part)
        }
        if nodes.count == 1, let n = nodes.first {
            let p = n.actuator.policy
            if p.limitReached { parts.append("RESTART LIMIT REACHED") }
            else if p.inGrace(now: now.wall) { parts.append("grace \(Duration.format(p.graceLeft(now: now.wall)))") }
        }
        if dryRun { parts.append("dry run") }
        return parts.joined(separator: ", ")
    }

    func oneNode(_ n: NodeWatch, total: UInt64?, now: Now) -> String {
        var part: String
        let memory = view.checks.first { $0.node == n.name && $0.check == "node_memory" }
        if n.rules.running == false {
            part = "node \(n.name) not running"
        } else if let m = memory, m.state != .error, let t = total ?? { if case .bytes(let b) = n.limits.restartAbove { return b }; return nil }() {
            part = "node \(m.value)/\(Size.format(n.limits.restartAbove.bytes(of: t)))"
        } else {
            part = memory?.state == .error ? "node unreadable" : "node \(memory?.value ?? "?")"
        }
        return part
    }

    /// "3 nodes ok", or "3 nodes: 2 ok, dmo critical".
    func severalNodes(now: Now) -> String {
        var bad: [String] = []
        for n in nodes {
            let worst = view.checks.filter { $0.node == n.name }.map(\.state).max() ?? .ok
            if n.actuator.policy.limitReached { bad.append("\(n.name) restart limit") }
            else if n.rules.running == false { bad.append("\(n.name) down") }
            else if worst != .ok { bad.append("\(n.name) \(worst.rawValue)") }
        }
        if bad.isEmpty { return "\(nodes.count) nodes ok" }
        let shown = bad.prefix(2).joined(separator: ", ") + (bad.count > 2 ? ", +\(bad.count - 2) more" : "")
        return "\(nodes.count) nodes: \(nodes.count - bad.count) ok, \(shown)"
    }
}
