// Whose turn it is to produce on an Antelope (EOS) chain, from the wall
// clock and the active schedule: blocks every 500 ms (a slot), counted from
// 2000-01-01T00:00:00Z; each scheduled producer signs 12 blocks in a row (a
// 6 s turn), in the order of get_producer_schedule's active.producers (not
// sorted), so 21 producers make a 126 s round. The same arithmetic as
// nodeos's block_timestamp and get_scheduled_producer. Pure.

public struct ProducerSchedule: Equatable, Sendable {
    /// block_timestamp's epoch, in Unix milliseconds.
    public static let epochMs: Int64 = 946_684_800_000
    public static let slotMs: Int64 = 500
    /// Blocks a producer signs in a row.
    public static let repetitions: Int64 = 12

    /// The active schedule's producers, in its order.
    public var producers: [String]

    public init(_ producers: [String]) { self.producers = producers }

    /// The slot a wall time falls in.
    public static func slot(unixMs ms: Int64) -> Int64 { (ms - epochMs) / slotMs }

    /// When a slot starts, in Unix milliseconds.
    public static func start(ofSlot s: Int64) -> Int64 { epochMs + s * slotMs }

    /// Slots in one round: every producer's turn once.
    public var round: Int64 { Int64(producers.count) * Self.repetitions }

    /// Who is scheduled to sign the block of `slot`; nil without a schedule.
    public func producer(ofSlot slot: Int64) -> String? {
        guard round > 0, slot >= 0 else { return nil }
        return producers[Int((slot % round) / Self.repetitions)]
    }

    /// The turn of `account` that holds `slot` (its first slot and the slot
    /// after its last), or nil when `slot` is not in one of its turns.
    public func turn(of account: String, containing slot: Int64) -> Range<Int64>? {
        guard producer(ofSlot: slot) == account else { return nil }
        let first = slot - slot % Self.repetitions
        return first..<(first + Self.repetitions)
    }

    /// The first turn of `account` that starts at or after `slot`; nil when
    /// the account is not in the schedule.
    public func nextTurn(of account: String, from slot: Int64) -> Range<Int64>? {
        guard let index = producers.firstIndex(of: account), slot >= 0 else { return nil }
        let roundStart = slot - slot % round
        var first = roundStart + Int64(index) * Self.repetitions
        if first < slot { first += round }
        return first..<(first + Self.repetitions)
    }

    /// The last turn of `account` that ended at or before `slot`; nil when
    /// the account is not in the schedule or no turn of it ended yet.
    public func lastTurn(of account: String, before slot: Int64) -> Range<Int64>? {
        guard let next = nextTurn(of: account, from: max(0, slot - round + 1)) else { return nil }
        let last = next.upperBound <= slot ? next : (next.lowerBound - round)..<(next.upperBound - round)
        return last.lowerBound >= 0 ? last : nil
    }
}

extension ProducerSchedule {
    /// When production of `account` can move from one member to another
    /// without a block of it missed: from `slot`, or from the end of the turn
    /// `slot` is in, to the start of its next turn. Empty when its turns
    /// follow each other (a schedule of one); nil when it is not scheduled.
    public func handoverWindow(of account: String, from slot: Int64) -> Range<Int64>? {
        let start = turn(of: account, containing: slot)?.upperBound ?? slot
        guard let next = nextTurn(of: account, from: start) else { return nil }
        return start..<next.lowerBound
    }
}
