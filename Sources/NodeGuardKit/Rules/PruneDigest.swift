// Pruning a chatty container's log is routine: the first prune is said in
// full, the ones after it are counted and said as one summary an hour at
// most. A container with no prune for an hour starts afresh. So a container
// pruned every scan costs about 25 journal entries a day, not thousands.

public struct PruneDigest: Equatable, Sendable {
    public struct Tally: Equatable, Sendable {
        /// When the container's pruning was last said (in full or summarised).
        public var saidAt: Double
        /// Prunes since then, not yet said.
        public var count = 0
        public var freed: UInt64 = 0
    }

    public static let period: Double = 3600
    public private(set) var tallies: [String: Tally] = [:]

    public init() {}

    /// A prune of `container`'s logs: true when it is to be said in full
    /// (the first scan in its hour: each of that scan's steps), false when it
    /// is counted for the summary.
    public mutating func record(_ container: String, freed: UInt64, now: Double) -> Bool {
        guard var t = tallies[container], now - t.saidAt < Self.period || t.count > 0 else {
            tallies[container] = Tally(saidAt: now)
            return true
        }
        if t.saidAt == now && t.count == 0 { return true }   // another step of the same scan
        t.count += 1
        t.freed += freed
        tallies[container] = t
        return false
    }

    /// The summaries whose hour has passed, oldest container id first; a
    /// container said and quiet for an hour is forgotten.
    public mutating func due(now: Double) -> [(container: String, tally: Tally)] {
        var out: [(String, Tally)] = []
        for (id, t) in tallies.sorted(by: { $0.key < $1.key }) where now - t.saidAt >= Self.period {
            if t.count > 0 {
                out.append((id, t))
                tallies[id] = Tally(saidAt: now)
            } else {
                tallies[id] = nil
            }
        }
        return out
    }
}
