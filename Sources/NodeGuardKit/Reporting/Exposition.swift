// Prometheus's text exposition format (0.0.4), the format node_exporter's
// textfile collector reads: a HELP and a TYPE line a family, then one line a
// series, `name{label="value",...} number`. Pure: the metrics sink gives it
// families and writes the bytes.

public enum MetricType: String, Sendable { case gauge, counter }

/// One metric name with its help, its type and its series.
public struct MetricFamily: Sendable {
    public struct Sample: Sendable {
        public var labels: [(name: String, value: String)]
        public var value: Double
    }

    public let name: String
    public let help: String
    public let type: MetricType
    public private(set) var samples: [Sample] = []

    public init(_ name: String, _ type: MetricType, help: String) {
        precondition(Exposition.isValidName(name), "metric name \(name)")
        self.name = name; self.type = type; self.help = help
    }

    /// Adds a series; a second one with the same labels replaces the first,
    /// so no series is ever written twice (Prometheus refuses the whole file).
    public mutating func add(_ value: Double, _ labels: (name: String, value: String)...) {
        add(value, labels: labels)
    }

    public mutating func add(_ value: Double, labels: [(name: String, value: String)]) {
        let sample = Sample(labels: labels, value: value)
        if let i = samples.firstIndex(where: { Exposition.sameLabels($0.labels, labels) }) { samples[i] = sample } else { samples.append(sample) }
    }
}

public enum Exposition {
    /// The file: families in the order given, one HELP and TYPE each; a
    /// family without series is left out; two families of one name are one.
    public static func render(_ families: [MetricFamily]) -> String {
        var merged: [MetricFamily] = []
        for f in families {
            if let i = merged.firstIndex(where: { $0.name == f.name }) {
                for s in f.samples { merged[i].add(s.value, labels: s.labels) }
            } else {
                merged.append(f)
            }
        }
        var out = ""
        for f in merged where !f.samples.isEmpty {
            out += "# HELP \(f.name) \(escapeHelp(f.help))\n# TYPE \(f.name) \(f.type.rawValue)\n"
            for s in f.samples { out += series(f.name, s) + "\n" }
        }
        return out
    }

    static func series(_ name: String, _ s: MetricFamily.Sample) -> String {
        guard !s.labels.isEmpty else { return name + " " + format(s.value) }
        let labels = s.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",")
        return "\(name){\(labels)} \(format(s.value))"
    }

    /// Label values escape backslash, double quote and line feed.
    public static func escapeLabel(_ s: String) -> String { escape(s, quote: true) }

    /// HELP text escapes backslash and line feed (a quote is plain there).
    public static func escapeHelp(_ s: String) -> String { escape(s, quote: false) }

    static func escape(_ s: String, quote: Bool) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Whole numbers without a fraction or exponent (byte counts stay exact
    /// up to 2^53), others as Swift prints them (Go's parser reads both).
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 9_007_199_254_740_992 { return String(Int64(v)) }
        return String(v)
    }

    /// [a-zA-Z_:][a-zA-Z0-9_:]*, Prometheus's metric names.
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return s.utf8.allSatisfy { b in
            (0x61...0x7A).contains(b) || (0x41...0x5A).contains(b) || (0x30...0x39).contains(b) || b == 0x5F || b == 0x3A
        }
    }

    static func sameLabels(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Bool {
        guard a.count == b.count else { return false }
        return a.allSatisfy { l in b.contains { $0.name == l.name && $0.value == l.value } }
    }
}
