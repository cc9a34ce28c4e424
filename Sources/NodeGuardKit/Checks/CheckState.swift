// What every check's reading carries (its state) and what every action
// leaves behind (a record for the recent actions `nodeguard status` shows).

public enum CheckState: String, Sendable, Comparable {
    case ok, warning, critical, error
    /// error (cannot read) ranks with warning for the exit code: something
    /// needs a look, nothing is known to be critical.
    var rank: Int { switch self { case .ok: return 0; case .warning, .error: return 1; case .critical: return 2 } }
    public static func < (a: CheckState, b: CheckState) -> Bool { a.rank < b.rank }
}

public struct ActionRecord: Equatable, Sendable {
    public var wall: Double
    public var action: String
    public var target: String
    public var outcome: String
    /// Routine upkeep folded into one entry (RecentActions): how many times, since when.
    public var count = 1
    public var since: Double?
    public init(wall: Double, action: String, target: String, outcome: String, count: Int = 1, since: Double? = nil) {
        self.wall = wall; self.action = action; self.target = target; self.outcome = outcome
        self.count = count; self.since = since
    }

    /// "truncate log /var/lib/…-json.log: 12 MiB freed (14 times since 09:12)"
    var line: String {
        let times = count > 1 ? " (\(count) times since \(TimeFormat.local(since ?? wall)))" : ""
        return "\(TimeFormat.local(wall))  \(action) \(target): \(outcome)\(times)"
    }
}
