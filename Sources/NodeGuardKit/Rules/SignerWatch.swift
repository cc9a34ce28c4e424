// Who signs our blocks while it should be paused. A member that answers
// its pause ok and reads paused can still sign (a bug, a wrong build, an
// operator's script): the only evidence is the chain. Two kinds of it:
// a block of ours at a height where the producing member holds another (two
// signers of one slot: a fork), and, while no member should produce, any
// block of ours newer than the last pause (one block in flight aside). Pure.

public struct SignerWatch: Equatable, Sendable {
    /// The producing member's heads: block number -> id, the last few.
    public private(set) var producing: [UInt64: String] = [:]
    static let kept = 64

    public init() {}

    public mutating func observeProducing(_ head: ProducerAPI.Head) {
        guard !head.id.isEmpty else { return }
        producing[head.block] = head.id
        if producing.count > Self.kept, let oldest = producing.keys.min() { producing[oldest] = nil }
    }

    public mutating func forget() { producing = [:] }

    /// Why `head`, a paused member's, shows it signing our blocks; nil when it does not.
    /// `producingNow`: a member is to produce (its blocks are expected);
    /// `pausedAt`: wall time every member but the producer was confirmed paused.
    public func evidence(_ head: ProducerAPI.Head, account: String, producingNow: Bool, pausedAt: Double?) -> String? {
        guard head.producer == account else { return nil }
        if producingNow {
            guard let other = producing[head.block], !head.id.isEmpty, other != head.id else { return nil }
            return "block \(head.block) of ours on it is not the producing member's (\(head.id.prefix(16))… against \(other.prefix(16))…): two members sign our slots"
        }
        guard let pausedAt, head.time > pausedAt + ProducerRule.blockInterval * 2 else { return nil }
        return "a block of ours (\(head.block)) appeared \(TimeSpan.format((head.time - pausedAt).rounded())) after every member was paused"
    }
}
