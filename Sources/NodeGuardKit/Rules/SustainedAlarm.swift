// The memory of one rule across cycles: fires when its condition has held
// for a sustained time (never on one sample), stays fired without repeating,
// and recovers only when the value is clearly back (hysteresis).

public enum AlarmTransition: Equatable, Sendable { case fired, recovered }

public struct SustainedAlarm: Equatable, Sendable {
    /// Monotonic time when the condition started to hold.
    public private(set) var since: Double?
    public private(set) var samples = 0
    public private(set) var fired = false

    public init() {}

    /// `breached`: the value is past the threshold. `clear`: it is back past
    /// the threshold by the hysteresis margin. Between the two nothing changes.
    public mutating func update(breached: Bool, clear: Bool, now: Double, sustained: Double) -> AlarmTransition? {
        if breached {
            if since == nil { since = now; samples = 0 }
            samples += 1
            if !fired, samples >= 2, now - since! >= sustained {
                fired = true
                return .fired
            }
            return nil
        }
        if clear {
            since = nil
            samples = 0
            if fired { fired = false; return .recovered }
        }
        return nil
    }

    /// A cycle without a reading: a hold not yet fired starts again with the
    /// next reading (a sustained breach is one seen every cycle, not two
    /// readings either side of a gap); a fired alarm stays fired until a
    /// reading clears it.
    public mutating func interrupted() {
        if !fired { since = nil; samples = 0 }
    }

    /// How long the condition has held, for messages.
    public func heldFor(now: Double) -> Double { since.map { now - $0 } ?? 0 }

    /// Forget everything (after a restart, or when the rule is re-armed).
    public mutating func reset() { self = SustainedAlarm() }
}

/// Hysteresis margin: a value must come back this share of the threshold
/// before a rule counts as recovered.
public let recoveryMargin = 0.05
