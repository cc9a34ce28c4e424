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
        assert(Exposition.isValidName(name), "metric name \(name)")
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
    public static func render(_ families: [MetricFamily]) -> String { String(decoding: bytes(families), as: UTF8.self) }

    /// The same as bytes, not through String a character at a time: the
    /// daemon writes it every cycle (bench/README.md).
    public static func bytes(_ families: [MetricFamily]) -> [UInt8] {
        var merged: [MetricFamily] = []
        for f in families {
            if let i = merged.firstIndex(where: { $0.name == f.name }) {
                for s in f.samples { merged[i].add(s.value, labels: s.labels) }
            } else {
                merged.append(f)
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        for f in merged where !f.samples.isEmpty {
            header(f.name, help: f.help, type: f.type, into: &out)
            for s in f.samples { series(f.name, s, into: &out) }
        }
        return out
    }

    /// A family's HELP and TYPE lines.
    static func header(_ name: String, help: String, type: MetricType, into out: inout [UInt8]) {
        append("# HELP ", &out); append(name, &out); out.append(0x20); escape(help, quote: false, into: &out)
        append("\n# TYPE ", &out); append(name, &out); out.append(0x20); append(type.rawValue, &out); out.append(0x0A)
    }

    /// `{name="value"` for the first label, `,name="value"` for the others.
    static func label(_ name: StaticString, _ value: String, first: Bool, into out: inout [UInt8]) {
        name.withUTF8Buffer { label(bytes: $0, value, first: first, into: &out) }
    }

    static func label(_ name: String, _ value: String, first: Bool, into out: inout [UInt8]) {
        var name = name
        name.withUTF8 { label(bytes: $0, value, first: first, into: &out) }
    }

    static func label(bytes name: UnsafeBufferPointer<UInt8>, _ value: String, first: Bool, into out: inout [UInt8]) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(contentsOf: name)
        out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "\""))
        escape(value, quote: true, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    static func series(_ name: String, _ s: MetricFamily.Sample, into out: inout [UInt8]) {
        append(name, &out)
        for (i, l) in s.labels.enumerated() { label(l.name, l.value, first: i == 0, into: &out) }
        if !s.labels.isEmpty { out.append(UInt8(ascii: "}")) }
        out.append(0x20)
        format(s.value, into: &out)
        out.append(0x0A)
    }

    /// Label values escape backslash, double quote and line feed.
    public static func escapeLabel(_ s: String) -> String { var b: [UInt8] = []; escape(s, quote: true, into: &b); return String(decoding: b, as: UTF8.self) }

    /// HELP text escapes backslash and line feed (a quote is plain there).
    public static func escapeHelp(_ s: String) -> String { var b: [UInt8] = []; escape(s, quote: false, into: &b); return String(decoding: b, as: UTF8.self) }

    /// A string's bytes at once (a byte at a time through String.UTF8View
    /// costs ten times more).
    static func append(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    static func escape(_ s: String, quote: Bool, into out: inout [UInt8]) {
        var s = s
        let plain = s.withUTF8 { b in
            for c in b where c == 0x5C || c == 0x0A || (quote && c == 0x22) { return false }
            out.append(contentsOf: b)
            return true
        }
        if plain { return }
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\"") where quote: out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            default: out.append(c)
            }
        }
    }

    /// Whole numbers without a fraction or exponent (byte counts stay exact
    /// up to 2^53), others as Swift prints them (Go's parser reads both).
    public static func format(_ v: Double) -> String { var b: [UInt8] = []; format(v, into: &b); return String(decoding: b, as: UTF8.self) }

    static func format(_ v: Double, into out: inout [UInt8]) {
        if v.isNaN { append("NaN", &out); return }
        if v.isInfinite { append(v > 0 ? "+Inf" : "-Inf", &out); return }
        guard v == v.rounded(), abs(v) < 9_007_199_254_740_992 else { append(String(v), &out); return }
        append(String(Int64(v)), &out)   // a small string: no allocation
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
