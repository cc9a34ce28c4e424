// Which node the host floor restarts: the operator's order, or the node with
// the most anonymous memory; never one in grace or over its restart budget.

public enum HostFloor {
    public struct Candidate: Equatable, Sendable {
        public var name: String
        /// nil: not read this cycle (down, or its probe failed).
        public var anonBytes: UInt64?
        public var graceLeft: Double
        public var overBudget: Bool
        public init(name: String, anonBytes: UInt64?, graceLeft: Double, overBudget: Bool) {
            self.name = name; self.anonBytes = anonBytes; self.graceLeft = graceLeft; self.overBudget = overBudget
        }
        var why: String? {
            if anonBytes == nil { return "not running or unreadable" }
            if graceLeft > 0 { return "in grace, \(TimeSpan.format(graceLeft)) left" }
            if overBudget { return "over its restart budget" }
            return nil
        }
    }

    public enum Choice: Equatable, Sendable {
        case restart(name: String, why: String)
        case nobody(why: String)
    }

    public static func choose(_ nodes: [Candidate], by rule: HostFloorRestarts) -> Choice {
        let skipped = nodes.compactMap { n in n.why.map { "\(n.name) \($0)" } }
        let eligible = nodes.filter { $0.why == nil }
        switch rule {
        case .none:
            return .nobody(why: "host_floor_restarts is \"none\"")
        case .largest:
            guard let pick = eligible.max(by: { ($0.anonBytes ?? 0) < ($1.anonBytes ?? 0) }) else {
                return .nobody(why: "no node may be restarted: " + skipped.joined(separator: ", "))
            }
            let of = eligible.count == 1 ? "the only node that may be restarted" : "the most anonymous memory of the \(eligible.count) nodes that may be restarted"
            return .restart(name: pick.name, why: "\(Size.format(pick.anonBytes ?? 0)), \(of)" + (skipped.isEmpty ? "" : "; skipped: " + skipped.joined(separator: ", ")))
        case .inOrder(let names):
            for (i, name) in names.enumerated() {
                guard let n = nodes.first(where: { $0.name == name }), n.why == nil else { continue }
                return .restart(name: name, why: "\(Size.format(n.anonBytes ?? 0)), \(ordinal(i + 1)) in host_floor_restarts" + (i == 0 ? "" : "; skipped: " + skipped.joined(separator: ", ")))
            }
            let listed = nodes.filter { names.contains($0.name) }.compactMap { n in n.why.map { "\(n.name) \($0)" } }
            return .nobody(why: "no node in host_floor_restarts may be restarted: " + (listed.isEmpty ? "none of them exists" : listed.joined(separator: ", ")))
        }
    }

    /// The host floor's answer for one cycle: nothing to add when a node is
    /// restarted for its own reasons anyway; else the chosen node's restart,
    /// or a CRIT saying why none may be restarted.
    public static func resolve(_ floor: RestartRequest?, alreadyRestarting: [RestartRequest], candidates: [Candidate],
                               by rule: HostFloorRestarts) -> (restart: RestartRequest?, event: Event?) {
        guard let floor, alreadyRestarting.isEmpty else { return (nil, nil) }
        switch choose(candidates, by: rule) {
        case .restart(let name, let why):
            return (RestartRequest(node: name, check: floor.check, value: floor.value, threshold: floor.threshold,
                                   reason: "\(floor.reason); restarting \(name): \(why)"), nil)
        case .nobody(let why):
            return (nil, Event(.critical, "\(floor.reason); nothing is restarted: \(why)",
                               fields: [("CHECK", "host_memory"), ("VALUE", floor.value), ("THRESHOLD", floor.threshold), ("TARGET", "host")]))
        }
    }

    static func ordinal(_ n: Int) -> String {
        switch n { case 1: return "first"; case 2: return "second"; case 3: return "third"; default: return "\(n)th" }
    }
}
