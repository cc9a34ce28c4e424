// A reading's figures as numbers in base units (bytes, seconds, counts, a
// ratio 0-1), beside the words of the status: what scripts read from
// `nodeguard status --json` without parsing "368 MiB".

public struct Measure: Equatable, Sendable {
    public var number: Double
    /// "bytes", "seconds", "count", "ratio" (0-1) or "percent".
    public var unit: String

    init?(_ q: Quantity) {
        switch q {
        case .bytes(let b): number = Double(b); unit = "bytes"
        case .share(let s): number = s; unit = "ratio"
        case .percent(let p): number = p; unit = "percent"
        case .seconds(let s): number = s; unit = "seconds"
        case .count(let n): number = Double(n); unit = "count"
        case .word: return nil
        }
    }

    init(number: Double, unit: String) { self.number = number; self.unit = unit }
}

public struct CheckNumbers: Equatable, Sendable {
    public var value: Measure?
    /// Each limit of the threshold (a disk's share and its bytes).
    public var warn: [Measure] = []
    public var critical: [Measure] = []
    /// How long the critical side must hold, in seconds.
    public var criticalFor: Double?

    init(_ r: Reading) {
        value = Measure(r.value)
        warn = r.warn?.limits.compactMap(Measure.init) ?? []
        critical = r.critical?.limits.compactMap(Measure.init) ?? []
        criticalFor = r.critical?.sustained
    }

    init(value: Measure?, warn: [Measure], critical: [Measure], criticalFor: Double?) {
        self.value = value; self.warn = warn; self.critical = critical; self.criticalFor = criticalFor
    }

    var isEmpty: Bool { value == nil && warn.isEmpty && critical.isEmpty }

    /// "number" and "unit" beside "value"; "warn_at" and "critical_at" beside "warn" and "critical".
    func write(into w: inout JSONObjectWriter) {
        if let v = value { w.number("number", v.number); w.string("unit", v.unit) }
        if !warn.isEmpty { Self.write(warn, "warn_at", into: &w) }
        if !critical.isEmpty { Self.write(critical, "critical_at", into: &w) }
        if let s = criticalFor { w.number("critical_for_seconds", s) }
    }

    static func write(_ limits: [Measure], _ key: StaticString, into w: inout JSONObjectWriter) {
        w.beginArray(key)
        for m in limits { w.beginObject(); w.number("number", m.number); w.string("unit", m.unit); w.endObject() }
        w.endArray()
    }

    init?(json c: JSON) {
        let measures = { (k: String) -> [Measure] in
            (c[k]?.array ?? []).compactMap { m in m["number"]?.number.flatMap { n in m["unit"]?.string.map { Measure(number: n, unit: $0) } } }
        }
        let value = c["number"]?.number.flatMap { n in c["unit"]?.string.map { Measure(number: n, unit: $0) } }
        self.init(value: value, warn: measures("warn_at"), critical: measures("critical_at"), criticalFor: c["critical_for_seconds"]?.number)
        if isEmpty { return nil }
    }
}
