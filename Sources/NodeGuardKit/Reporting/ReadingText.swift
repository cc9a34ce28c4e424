// Readings in words: the one place a check's figures become the text the
// status table, the status file and the STATUS= line show.

enum ReadingText {
    static func view(_ r: Reading) -> CheckView {
        CheckView(check: r.check, target: r.target, value: value(r),
                  warn: r.warn.map(threshold) ?? "", critical: r.critical.map(threshold) ?? "",
                  state: r.state, projection: projection(r),
                  note: note(r), node: r.node, figures: object(r), numbers: numbers(r))
    }

    static func numbers(_ r: Reading) -> CheckNumbers? {
        let n = CheckNumbers(r)
        return n.isEmpty ? nil : n
    }

    /// The figures its kind writes as one --json object.
    static func object(_ r: Reading) -> FigureObject? {
        r.kind.object.map { FigureObject(key: $0.key, members: $0.members(r)) }
    }

    /// The reading's words again after it changed, reusing the parts of
    /// `old` (the words of `was`) whose figures did not change: most of the
    /// time only the value moved.
    static func view(_ r: Reading, was: Reading, old: CheckView) -> CheckView {
        var v = old
        if r.kind != was.kind || r.target != was.target || r.node != was.node { return view(r) }
        if r.value != was.value || r.figures != was.figures { v.value = value(r); v.figures = object(r) }
        if r.value != was.value || r.warn != was.warn || r.critical != was.critical { v.numbers = numbers(r) }
        if r.warn != was.warn { v.warn = r.warn.map(threshold) ?? "" }
        if r.critical != was.critical { v.critical = r.critical.map(threshold) ?? "" }
        if r.projection != was.projection { v.projection = projection(r) }
        if r.notes != was.notes || r.figures != was.figures || r.projection != was.projection { v.note = note(r) }
        v.state = r.state
        return v
    }

    static func note(_ r: Reading) -> String { (r.notes + (r.kind.notes?(r) ?? [])).joined(separator: "; ") }

    static func quantity(_ q: Quantity) -> String {
        switch q {
        case .bytes(let b): return Size.format(b)
        case .share(let s): return Share.format(s)
        case .percent(let p): return format2(p) + "%"
        case .seconds(let s): return TimeSpan.format(s)
        case .count(let n): return String(n)
        case .word(let w): return w
        }
    }

    static func threshold(_ t: Threshold) -> String {
        let side: String
        switch t.side { case .above: side = "> "; case .below: side = "< "; case .atLeast: side = "≥ " }
        var s = side + t.limits.map(quantity).joined(separator: " or ")
        if let scope = t.scope { s += " " + scope }
        if let d = t.sustained, d > 0 { s += " for " + TimeSpan.format(d) }
        return s
    }

    /// The value with what qualifies it, in its kind's words.
    static func value(_ r: Reading) -> String {
        let v = quantity(r.value)
        guard r.value.number != nil, let words = r.kind.words else { return v }
        return words(r, v)
    }

    /// Where the value is heading, in its kind's words.
    static func projection(_ r: Reading) -> String {
        guard let p = r.projection, let words = r.kind.projection else { return "" }
        return words(p)
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
