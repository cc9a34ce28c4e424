// How users see one kind of reading, declared by the check that makes it:
// its name (the CHECK column, NODEGUARD_CHECK, --json's "check", the man
// page's CHECKS list), its value in words, its notes, its part of the
// STATUS= line, its figures as metrics and as --json numbers. Reporting
// formats every reading through its kind and knows no check by name.

public final class ReadingKind: Sendable, Hashable {
    public let name: String
    /// What it watches, for the man page's CHECKS list.
    public let what: String
    /// The value with what qualifies it ("9.3 GiB free (20%)"), given the
    /// value's own words; nil: those alone.
    let words: (@Sendable (Reading, String) -> String)?
    /// What its figures say beside the value and the check's notes.
    let notes: (@Sendable (Reading) -> [String])?
    /// Where its value is heading, in words ("full in ~12d").
    let projection: (@Sendable (Projection) -> String)?
    /// Its part of the STATUS= line.
    let summary: Summary?
    /// Its metric families, and the samples a reading gives them.
    public let gauges: [Gauge]
    let samples: (@Sendable (Reading, inout GaugeSamples) -> Void)?
    /// Its figures as one --json object, in the check and under its node ("chain").
    let object: (key: String, members: @Sendable (Reading) -> [FigureObject.Member])?

    /// Where a reading's words go in the STATUS= line.
    public struct Summary: Sendable {
        public enum Place: Sendable {
            /// A host reading's part; for a lone node, its first words (the
            /// first of its readings that has words leads).
            case lead
            /// Right after a lone node's lead.
            case next
            /// At the end of the line, for a lone node.
            case last
        }
        let place: Place
        let words: @Sendable (Reading) -> String?
        /// What a node among several is said to be when this reading is
        /// critical ("down"): the first of its readings that has such words.
        let problem: String?

        public init(_ place: Place = .lead, problem: String? = nil, _ words: @escaping @Sendable (Reading) -> String?) {
            self.place = place; self.problem = problem; self.words = words
        }
    }

    public init(_ name: String, _ what: String, gauges: [Gauge] = [],
                words: (@Sendable (Reading, String) -> String)? = nil,
                notes: (@Sendable (Reading) -> [String])? = nil,
                projection: (@Sendable (Projection) -> String)? = nil,
                summary: Summary? = nil,
                samples: (@Sendable (Reading, inout GaugeSamples) -> Void)? = nil,
                object: (key: String, members: @Sendable (Reading) -> [FigureObject.Member])? = nil) {
        self.name = name; self.what = what; self.gauges = gauges; self.words = words; self.notes = notes; self.projection = projection
        self.summary = summary; self.samples = samples; self.object = object
    }

    /// A kind is declared once: the same kind is the same object.
    public static func == (a: ReadingKind, b: ReadingKind) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }
}

/// A metric family a reading kind writes: its name (with its unit, by
/// Prometheus's conventions), HELP and labels; always a gauge.
public final class Gauge: Sendable {
    public let name: String
    public let help: String
    public let labels: [String]
    /// Its HELP and TYPE lines, made once.
    let header: [UInt8]

    public init(_ name: String, help: String, labels: [String] = []) {
        self.name = name; self.help = help; self.labels = labels
        var out: [UInt8] = []
        Exposition.header(name, help: help, type: .gauge, into: &out)
        header = out
    }
}

/// The samples a cycle's readings give, each a gauge, up to three labels
/// (no array to allocate) and a value.
public struct GaugeSamples {
    public typealias Label = (name: StaticString, value: String)
    struct Sample {
        var gauge: Gauge
        var value: Double
        var labels: (Label?, Label?, Label?) = (nil, nil, nil)
    }
    var samples: [Sample] = []

    public mutating func add(_ g: Gauge, _ value: Double, _ a: Label? = nil, _ b: Label? = nil, _ c: Label? = nil) {
        samples.append(Sample(gauge: g, value: value, labels: (a, b, c)))
    }

    /// A node reading's sample, labelled with its node.
    public mutating func add(_ g: Gauge, _ value: Double, node r: Reading) {
        add(g, value, ("node", r.node ?? ""))
    }
}

/// A reading's figures as one --json object of numbers and flags.
public struct FigureObject: Equatable, Sendable {
    public struct Member: Equatable, Sendable {
        public enum Value: Equatable, Sendable { case number(Double), flag(Bool), text(String) }
        public var name: String
        public var value: Value
        public init(_ name: String, _ value: Double) { self.name = name; self.value = .number(value) }
        public init(_ name: String, _ value: Bool) { self.name = name; self.value = .flag(value) }
        public init(_ name: String, _ value: String) { self.name = name; self.value = .text(value) }
    }
    public var key: String
    public var members: [Member]

    public init(key: String, members: [Member]) { self.key = key; self.members = members }

    public subscript(_ name: String) -> Member.Value? { members.first { $0.name == name }?.value }

    func write(into w: inout JSONObjectWriter) {
        w.beginObject(key: key)
        for m in members {
            switch m.value {
            case .number(let n): w.number(key: m.name, n)
            case .flag(let b): w.bool(key: m.name, b)
            case .text(let t): w.string(key: m.name, t)
            }
        }
        w.endObject()
    }

    /// Read back from a check's JSON: its one object-valued member.
    init?(json c: JSON) {
        guard case .object(let pairs) = c, let (key, value) = pairs.first(where: { if case .object = $0.1 { return true }; return false }),
              case .object(let inner) = value else { return nil }
        self.key = key
        members = inner.compactMap { name, v in
            if let n = v.number { return Member(name, n) }
            if let b = v.bool { return Member(name, b) }
            if let t = v.string { return Member(name, t) }
            return nil
        }
    }
}
