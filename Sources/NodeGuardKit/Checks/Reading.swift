// What a check found, as numbers with their units: the value, its
// thresholds, its state and where it is heading. Checks return readings;
// only reporting turns them into words and samples, through the reading's
// kind (ReadingKind), so the status file, the STATUS= line and the metrics
// read the same figures.

/// A figure with its unit.
public enum Quantity: Equatable, Sendable {
    case bytes(UInt64)
    /// A share of a whole, 0...1.
    case share(Double)
    /// Already a percentage (PSI's avg10).
    case percent(Double)
    case seconds(Double)
    case count(Int)
    /// A state that is not a number: "not running", "unhealthy", "none".
    case word(String)

    /// The number, for comparisons and metrics; nil for a word.
    public var number: Double? {
        switch self {
        case .bytes(let b): return Double(b)
        case .share(let s): return s
        case .percent(let p): return p
        case .seconds(let s): return s
        case .count(let n): return Double(n)
        case .word: return nil
        }
    }
}

/// A figure that qualifies the value: a total, a share, a count.
public struct Figure: Equatable, Sendable {
    /// What it is, in the check's words: "total", "free share", "containers", "largest".
    public var name: String
    public var value: Quantity
    public init(_ name: String, _ value: Quantity) { self.name = name; self.value = value }
}

/// A threshold as the check applies it: past any of `limits` (on `side`),
/// for `sustained` seconds when set.
public struct Threshold: Equatable, Sendable {
    public enum Side: Sendable { case above, below, atLeast }
    public var side: Side
    public var limits: [Quantity]
    public var sustained: Double?
    /// What a limit applies to, when not the value itself: "a container", "in all".
    public var scope: String?

    public init(_ side: Side, _ limits: Quantity..., sustained: Double? = nil, scope: String? = nil) {
        self.side = side; self.limits = limits; self.sustained = sustained; self.scope = scope
    }
}

/// Where a value is heading.
public enum Projection: Equatable, Sendable {
    /// A disk filling at its recent rate.
    case fullIn(seconds: Double)
    /// A node's memory growing steadily; when it reaches restart_above.
    case growth(bytesPerHour: UInt64, restartIn: Double?)
    case aboveRestart
    /// The billing month's end, and the day the quota is reached at the last 24 h's rate.
    case month(BandwidthProjection, quotaReachedOn: CivilDate?)
}

public struct Reading: Equatable, Sendable {
    /// What it is, as its check declared it: its name and how it is shown.
    public var kind: ReadingKind
    public var check: String { kind.name }
    public var target: String
    /// The node a node check belongs to; nil for the host's checks.
    public var node: String?
    public var value: Quantity
    public var figures: [Figure]
    public var warn: Threshold?
    public var critical: Threshold?
    public var state: CheckState
    public var projection: Projection?
    /// What the operator should know beside the figures (grace, a limit reached, why unreadable).
    public var notes: [String]

    public init(_ kind: ReadingKind, target: String, node: String? = nil, value: Quantity, figures: [Figure] = [],
                warn: Threshold? = nil, critical: Threshold? = nil, state: CheckState = .ok,
                projection: Projection? = nil, notes: [String] = []) {
        self.kind = kind; self.target = target; self.node = node; self.value = value; self.figures = figures
        self.warn = warn; self.critical = critical; self.state = state; self.projection = projection; self.notes = notes
    }

    public func figure(_ name: String) -> Quantity? { figures.first { $0.name == name }?.value }
}
