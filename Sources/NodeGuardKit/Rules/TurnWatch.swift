// Whether our account missed its turn, as one member's view of the chain
// shows it: the head blocks read each cycle (their slot from the block's
// time, their producer). A turn is missed when the chain's head has moved
// past its end and no head of ours was seen inside it. Read at the
// producer check's cadence (a second), a turn of 12 blocks shows ~6 heads,
// so a turn of ours seen empty is missed, not unseen. Pure.

public struct TurnWatch: Equatable, Sendable {
    /// The slots of our blocks seen, the last few turns' worth.
    public private(set) var ours: [Int64] = []
    /// The latest head slot seen.
    public private(set) var latest: Int64 = -1
    static let kept = 64

    public init() {}

    public mutating func observe(_ head: ProducerAPI.Head, account: String) {
        let slot = ProducerSchedule.slot(unixMs: Int64((head.time * 1000).rounded()))
        latest = max(latest, slot)
        guard head.producer == account, ours.last != slot else { return }
        ours.append(slot)
        if ours.count > Self.kept { ours.removeFirst(ours.count - Self.kept) }
    }

    /// true: the chain moved past `turn` and showed no block of ours in it;
    /// false: a block of ours was seen in it; nil: the chain is not past it yet.
    public func missed(_ turn: Range<Int64>) -> Bool? {
        if ours.contains(where: { turn.contains($0) }) { return false }
        return latest >= turn.upperBound ? true : nil
    }
}
