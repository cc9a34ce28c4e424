// Readings in words: the one place a check's figures become the text the
// status table, the status file and the STATUS= line show.

enum ReadingText {
    static func view(_ r: Reading) -> CheckView {
        CheckView(check: r.check, target: r.target, value: value(r),
                  warn: r.warn.map(threshold) ?? "", critical: r.critical.map(threshold) ?? "",
                  state: r.state, projection: r.projection.map(projection) ?? "",
                  note: (r.notes + extraNotes(r)).joined(separator: "; "), node: r.node)
    }

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
        var s = "\(v) in \(n) container\(n == 1 ? "" : "s")"
        if case .word(let id)? = r.figure("largest container"), let l = r.figure("largest") { s += ", largest \(id) \(quantity(l))" }
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
    var last: [(reading: Reading, view: CheckView)] = []

    func views(_ readings: [Reading]) -> [CheckView] {
        var out: [CheckView] = []
        out.reserveCapacity(readings.count)
        for i in readings.indices where readings[i].node != nil { out.append(view(out.count, readings[i])) }
        for i in readings.indices where readings[i].node == nil { out.append(view(out.count, readings[i])) }
        if last.count > readings.count { last.removeLast(last.count - readings.count) }
        return out
    }

    func view(_ i: Int, _ r: Reading) -> CheckView {
        if i < last.count, last[i].reading == r { return last[i].view }
        let v = ReadingText.view(r)
        if i < last.count { last[i] = (r, v) } else { last.append((r, v)) }
        return v
    }
}
