// Readings in words: the one place a check's figures become the text the
// status table, the status file and the STATUS= line show.

enum ReadingText {
    static func view(_ r: Reading) -> CheckView {
        CheckView(check: r.check, target: r.target, value: value(r),
                  warn: r.warn.map(threshold) ?? "", critical: r.critical.map(threshold) ?? "",
                  state: r.state, projection: r.projection.map(projection) ?? "",
                  note: note(r), node: r.node, chain: chainFigures(r), numbers: numbers(r))
    }

    static func numbers(_ r: Reading) -> CheckNumbers? {
        let n = CheckNumbers(r)
        return n.isEmpty ? nil : n
    }

    static func chainFigures(_ r: Reading) -> ChainFigures? {
        guard r.check == "chain" else { return nil }
        return ChainFigures(height: r.value.number, secondsSinceAdvanced: r.figure("since advanced")?.number,
                            peers: r.figure("peers")?.number, syncing: r.figure("syncing") != nil, lag: r.figure("lag")?.number)
    }

    /// The reading's words again after it changed, reusing the parts of
    /// `old` (the words of `was`) whose figures did not change: most of the
    /// time only the value moved.
    static func view(_ r: Reading, was: Reading, old: CheckView) -> CheckView {
        var v = old
        if r.check != was.check || r.target != was.target || r.node != was.node { return view(r) }
        if r.value != was.value || r.figures != was.figures { v.value = value(r); v.chain = chainFigures(r) }
        if r.value != was.value || r.warn != was.warn || r.critical != was.critical { v.numbers = numbers(r) }
        if r.warn != was.warn { v.warn = r.warn.map(threshold) ?? "" }
        if r.critical != was.critical { v.critical = r.critical.map(threshold) ?? "" }
        if r.projection != was.projection { v.projection = r.projection.map(projection) ?? "" }
        if r.notes != was.notes || r.figures != was.figures || r.projection != was.projection { v.note = note(r) }
        v.state = r.state
        return v
    }

    static func note(_ r: Reading) -> String { (r.notes + extraNotes(r)).joined(separator: "; ") }

    static func quantity(_ q: Quantity) -> String {
        switch q {
        case .bytes(let b): return Size.format(b)
        case .share(let s): return Share.format(s)
        case .percent(let p): return format2(p) + "%"
        case .seconds(let s): return Duration.format(s)
        case .count(let n): return String(n)
        case .word(let w): return w
        }
    }

    static func threshold(_ t: Threshold) -> String {
        let side: String
        switch t.side { case .above: side = "> "; case .below: side = "< "; case .atLeast: side = "≥ " }
        var s = side + t.limits.map(quantity).joined(separator: " or ")
        if let scope = t.scope { s += " " + scope }
        if let d = t.sustained, d > 0 { s += " for " + Duration.format(d) }
        return s
    }

    /// The value with what qualifies it, in the check's words.
    static func value(_ r: Reading) -> String {
        let v = quantity(r.value)
        guard r.value.number != nil else { return v }
        switch r.check {
        case "host_memory": return v + " available"
        case "swap": return r.figure("total").map { "\(v) of \(quantity($0)) used" } ?? v
        case "memory_pressure": return "some \(v) full \(r.figure("full").map(quantity) ?? "-") (avg10)"
        case "disk_free": return v + " free" + (r.figure("free share").map { " (\(quantity($0)))" } ?? "")
        case "disk_inodes": return v + " free"
        case "restart_budget":
            return "\(v) of \(r.figure("max").map(quantity) ?? "?") in \(r.figure("window").map(quantity) ?? "?")"
        case "docker_logs": return dockerLogs(r, v)
        case "chain": return chain(r, v)
        case "bandwidth":
            guard case .bytes(let used) = r.value else { return v }
            var s = Size.formatDecimal(used)
            if case .bytes(let q)? = r.figure("quota"), q > 0 { s += " of \(Size.formatDecimal(q)) (\(Share.format(Double(used) / Double(q))))" }
            return s
        default: return v
        }
    }

    static func dockerLogs(_ r: Reading, _ v: String) -> String {
        let n = r.figure("containers")?.number.map { Int($0) } ?? 0
        var s = "\(v) in \(counted(n, "container"))"
        if case .word(let id)? = r.figure("largest container"), let l = r.figure("largest") { s += ", largest \(id) \(quantity(l))" }
        return s
    }

    /// "height 812 (moved 40s ago), 8 peers, syncing, 3 behind"
    static func chain(_ r: Reading, _ v: String) -> String {
        var s = "height " + v
        if let a = r.figure("since advanced") { s += " (moved \(quantity(a)) ago)" }
        if case .count(let p)? = r.figure("peers") { s += ", \(counted(p, "peer"))" }
        if r.figure("syncing") != nil { s += ", syncing" }
        if case .count(let lag)? = r.figure("lag") { s += ", \(lag) behind" }
        return s
    }

    static func projection(_ p: Projection) -> String {
        switch p {
        case .fullIn(let s): return "full in ~\(Duration.format(s))"
        case .aboveRestart: return "above restart_above"
        case .growth(let perHour, let eta): return "+\(Size.format(perHour))/h" + (eta.map { ", restart_above in ~\(Duration.format($0))" } ?? "")
        case .month(let m, let on):
            var parts: [String] = []
            if let e = m.linearEnd { parts.append("month end ~\(Size.formatDecimal(e))") }
            if let r = m.rateEnd, let rate = m.dayRate { parts.append("~\(Size.formatDecimal(r)) at \(Size.formatDecimal(UInt64(rate * 86400)))/day") }
            if let on { parts.append("quota reached on \(on)") }
            return parts.joined(separator: ", ")
        }
    }

    /// What a reading's figures say beside its value.
    static func extraNotes(_ r: Reading) -> [String] {
        if r.check == "bandwidth", case .month(let m, _)? = r.projection, case .word(let counted)? = r.figure("counted") {
            return ["billing month from \(m.month), \(counted)"]
        }
        if r.check == "restart_budget", let left = r.figure("grace left") { return ["grace: \(quantity(left)) left"] }
        return []
    }
}

func format2(_ v: Double) -> String {
    let hundredths = Int((v * 100).rounded())
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
}

/// The last cycle's readings in words, the nodes' first, as the status shows
/// them. By position: a reading that did not change keeps its words (most
/// do, from one second to the next).
final class ReadingViews {
    /// The last cycle's readings, in the checks' order, and their views in
    /// the status's order (`order[position]` is the reading's index).
    private var readings: [Reading] = []
    private var order: [Int] = []
    private(set) var views: [CheckView] = []
    /// Whether any words changed in the last call: what is made of the words
    /// alone (the STATUS= line) need not be made again when none did.
    private(set) var changed = true

    func views(_ now: [Reading]) -> [CheckView] {
        // Last cycle's readings are kept as the array the checks made (one
        // reference, no per-reading copies into a reordered one).
        let was = readings
        readings = now
        guard was.count == now.count, now.indices.allSatisfy({ (was[$0].node == nil) == (now[$0].node == nil) }) else {
            order = now.indices.filter { now[$0].node != nil } + now.indices.filter { now[$0].node == nil }
            views = order.map { ReadingText.view(now[$0]) }
            changed = true
            return views
        }
        changed = false
        for (position, i) in order.enumerated() where was[i] != now[i] {
            let v = ReadingText.view(now[i], was: was[i], old: views[position])
            if v != views[position] { views[position] = v; changed = true }
        }
        return views
    }
}
