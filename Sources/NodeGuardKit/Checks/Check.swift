// A check owns its probe, its cadence and its memory of past cycles, and says
// what it found into the cycle. The guard runs every check each cycle; one
// that is not due shows what it found last.

/// One cycle as a check sees it: the clock, whether it may act, and where
/// its findings go.
public struct Cycle {
    public let now: Now
    /// false for `nodeguard check`: look, change nothing.
    public let act: Bool
    /// Decide and say, but change nothing (--dry-run).
    public let dryRun: Bool
    /// Keeps the watchdog fed while an action waits.
    let whileWaiting: () -> Void
    public var events: [Event] = []
    public var checks: [CheckView] = []
    /// What was done, for the recent actions `nodeguard status` shows.
    public var actions: [ActionRecord] = []

    init(now: Now, act: Bool, dryRun: Bool, whileWaiting: @escaping () -> Void) {
        self.now = now; self.act = act; self.dryRun = dryRun; self.whileWaiting = whileWaiting
    }
}

public protocol Check: AnyObject {
    func run(_ cycle: inout Cycle)
}

/// A probe's failure is said once, and its end once.
struct ProbeFailures: Sendable {
    var failing: Set<String> = []

    /// The value when read; else the failure is said (once) and shown.
    mutating func value<T>(_ check: String, target: String, _ r: Result<T, ProbeError>,
                           events: inout [Event], checks: inout [CheckView]) -> T? {
        let key = check + " " + target
        switch r {
        case .success(let v):
            if failing.remove(key) != nil {
                events.append(Event(.recovered, "\(check) \(target) can be read again", fields: [("CHECK", check), ("TARGET", target)]))
            }
            return v
        case .failure(let e):
            if failing.insert(key).inserted {
                events.append(Event(.probeFailed, e.message, fields: [("CHECK", check), ("TARGET", target)]))
            }
            checks.append(CheckView(check: check, target: target, value: "?", state: .error, note: e.message))
            return nil
        }
    }
}
