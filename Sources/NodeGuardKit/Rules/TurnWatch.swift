// Our account's turns, as the members' view of the chain shows them. The
// heads read each cycle (their slot from the block's time, their producer)
// say whether the chain is past a turn and whether a block of ours was seen
// in it. Once it is past, the turn's blocks are counted exactly: block
// numbers are consecutive and each slot holds at most one block, so from a
// head past the turn, the blocks that can hold its slots are the numbers
// just below the head, one per slot between the turn's start and the
// head's. get_block_info of each says its slot and signer. Pure.

public struct TurnWatch: Equatable, Sendable {
    /// The slots of our blocks seen, the last few turns' worth.
    public private(set) var ours: [Int64] = []
    /// The latest head slot seen.
    public private(set) var latest: Int64 = -1
    static let kept = 64
    /// The most blocks read to count one turn: a head this far past a
    /// turn's start (the members were silent long after it) is not used.
    public static let mostBlocksRead: Int64 = 48

    public init() {}

    public mutating func observe(_ head: ProducerAPI.Head, account: String) {
        let slot = Self.slot(head)
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

    public static func slot(_ head: ProducerAPI.Head) -> Int64 {
        ProducerSchedule.slot(unixMs: Int64((head.time * 1000).rounded()))
    }

    /// The block numbers that hold every block of `turn`, read from `head`:
    /// nil while the head is not past the turn, or is too far past it.
    public static func blocks(of turn: Range<Int64>, below head: ProducerAPI.Head) -> ClosedRange<UInt64>? {
        let span = slot(head) - turn.lowerBound
        guard slot(head) >= turn.upperBound, span <= mostBlocksRead, Int64(head.block) > span else { return nil }
        return (head.block - UInt64(span))...(head.block - 1)
    }

    /// Blocks of ours missing from `turn`, given the blocks read (nil: a
    /// number with no block): its slots less those signed by `account`.
    public static func missed(in turn: Range<Int64>, account: String, blocks: [ProducerAPI.Block?]) -> Int {
        let signed = Set(blocks.compactMap { $0 }.filter { turn.contains($0.slot) && $0.producer == account }.map(\.slot))
        return turn.count - signed.count
    }
}
