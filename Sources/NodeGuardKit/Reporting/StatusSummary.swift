// The STATUS= line systemd shows: one short line, whatever the number of
// nodes, from the cycle's readings, each in the words its kind gives
// (ReadingKind.Summary).

enum StatusSummary {
    /// "node 812 MiB/1.2 GiB, host 640 MiB available, / 41% free", or with
    /// several nodes "3 nodes ok, host 1.1 GiB available, / 41% free, month 312 GB".
    static func line(_ readings: [Reading], nodes: [String], dryRun: Bool) -> String {
        var parts: [String] = []
        let lone = nodes.count == 1 ? nodes[0] : nil
        if let n = lone {
            parts.append(words(of: n, .lead, readings).first ?? "node ?")
            parts += words(of: n, .next, readings)
        } else if !nodes.isEmpty {
            parts.append(severalNodes(nodes, readings))
        }
        for r in readings where r.node == nil {
            if let s = r.kind.summary, s.place == .lead, let w = s.words(r) { parts.append(w) }
        }
        if let n = lone { parts += words(of: n, .last, readings) }
        if dryRun { parts.append("dry run") }
        return parts.joined(separator: ", ")
    }

    /// A lone node's words for one place, in its readings' order.
    static func words(of node: String, _ place: ReadingKind.Summary.Place, _ readings: [Reading]) -> [String] {
        readings.compactMap { r in
            guard r.node == node, let s = r.kind.summary, s.place == place else { return nil }
            return s.words(r)
        }
    }

    /// "3 nodes ok", or "3 nodes: 2 ok, dmo critical": a node is said by its
    /// first critical reading that names a problem ("restart limit", "down").
    static func severalNodes(_ nodes: [String], _ readings: [Reading]) -> String {
        var bad: [String] = []
        for n in nodes {
            var worst = CheckState.ok, problem: String?
            for i in readings.indices where readings[i].node == n {
                let state = readings[i].state
                worst = max(worst, state)
                if state == .critical, problem == nil { problem = readings[i].kind.summary?.problem }
            }
            if let problem { bad.append("\(n) \(problem)") } else if worst != .ok { bad.append("\(n) \(worst.rawValue)") }
        }
        if bad.isEmpty { return "\(nodes.count) nodes ok" }
        let shown = bad.prefix(2).joined(separator: ", ") + (bad.count > 2 ? ", +\(bad.count - 2) more" : "")
        return "\(nodes.count) nodes: \(nodes.count - bad.count) ok, \(shown)"
    }
}
