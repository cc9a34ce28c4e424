// The metrics' counters: restarts by node and reason, bytes freed by
// pruning Docker logs and vacuuming the journal. They continue across
// restarts of nodeguard (state_directory/counters), so Prometheus's rate()
// and increase() see one series that only grows. Pure: the metrics sink
// loads, adds and saves them.

public struct Counters: Equatable, Sendable {
    public struct RestartKey: Hashable, Sendable, Comparable {
        public var node: String
        public var reason: String
        public static func < (a: RestartKey, b: RestartKey) -> Bool { (a.node, a.reason) < (b.node, b.reason) }
    }

    public var restarts: [RestartKey: UInt64] = [:]
    /// Bytes freed, by the counter's key ("docker_logs").
    public var freed: [String: UInt64] = [:]
    public struct SwitchKey: Hashable, Sendable, Comparable {
        public var account: String
        public var reason: String
        public static func < (a: SwitchKey, b: SwitchKey) -> Bool { (a.account, a.reason) < (b.account, b.reason) }
    }

    /// Producer groups: blocks of ours missed by account, switches by account and reason.
    public var blocksMissed: [String: UInt64] = [:]
    public var switches: [SwitchKey: UInt64] = [:]
    public var renewalsFailed: [String: UInt64] = [:]

    public init() {}

    /// Adds a cycle's tallies; whether any counter moved.
    public mutating func add(_ tallies: [Tally]) -> Bool {
        for t in tallies {
            switch t {
            case .restart(let node, let reason): restarts[RestartKey(node: node, reason: reason), default: 0] += 1
            case .freed(let by, let bytes): freed[by.key, default: 0] &+= bytes
            case .blocksMissed(let account, let count): blocksMissed[account, default: 0] += UInt64(count)
            case .producerSwitch(let account, let reason): switches[SwitchKey(account: account, reason: reason), default: 0] += 1
            case .leaseRenewalFailed(let account): renewalsFailed[account, default: 0] += 1
            }
        }
        return !tallies.isEmpty
    }

    // MARK: the file

    static let header = "# nodeguard's metric counters; written by nodeguardd whenever one moves\n"

    /// "restart NODE REASON N", "freed WHAT BYTES", "blocks_missed ACCOUNT N" and "switch ACCOUNT REASON N" lines.
    public var serialized: String {
        var out = Self.header
        for k in restarts.keys.sorted() { out += "restart \(k.node) \(k.reason) \(restarts[k] ?? 0)\n" }
        for key in freed.keys.sorted() { out += "freed \(key) \(freed[key] ?? 0)\n" }
        for a in blocksMissed.keys.sorted() { out += "blocks_missed \(a) \(blocksMissed[a] ?? 0)\n" }
        for k in switches.keys.sorted() { out += "switch \(k.account) \(k.reason) \(switches[k] ?? 0)\n" }
        for a in renewalsFailed.keys.sorted() { out += "lease_renewals_failed \(a) \(renewalsFailed[a] ?? 0)\n" }
        return out
    }

    /// What a file holds, for the counters `registry`'s checks keep; lines
    /// it cannot read are left out (a counter that starts again from 0 is a
    /// reset Prometheus's functions take in stride).
    public init(parsing text: String, _ registry: CheckRegistry = .standard) {
        let known = Set(registry.counters.map(\.key))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            switch (f.first, f.count) {
            case ("restart", 4):
                guard let n = UInt64(f[3]) else { continue }
                restarts[RestartKey(node: String(f[1]), reason: String(f[2]))] = n
            case ("freed", 3):
                guard known.contains(String(f[1])), let n = UInt64(f[2]) else { continue }
                freed[String(f[1])] = n
            case ("blocks_missed", 3):
                guard let n = UInt64(f[2]) else { continue }
                blocksMissed[String(f[1])] = n
            case ("lease_renewals_failed", 3):
                guard let n = UInt64(f[2]) else { continue }
                renewalsFailed[String(f[1])] = n
            case ("switch", 4):
                guard let n = UInt64(f[3]) else { continue }
                switches[SwitchKey(account: String(f[1]), reason: String(f[2]))] = n
            default: continue
            }
        }
    }

    // MARK: as metrics

    /// The counters for the nodes configured now. Every reason a node can be
    /// restarted for (as the checks declare them) is written from 0 on, so
    /// that increase() sees its first restart (a series that appears at 1
    /// shows no increase).
    public func families(_ config: Config, _ registry: CheckRegistry = .standard) -> [MetricFamily] {
        var restarted = MetricFamily(Self.familyNames[0], .counter,
                                     help: "Restarts nodeguard made of the node (failed ones too), by the check that asked.")
        for node in config.nodes {
            var reasons = registry.reasons(of: node, in: config)
            for k in restarts.keys where k.node == node.name && !reasons.contains(k.reason) { reasons.append(k.reason) }
            for r in reasons {
                restarted.add(Double(restarts[RestartKey(node: node.name, reason: r)] ?? 0), ("node", node.name), ("reason", r))
            }
        }
        return [restarted] + producerFamilies(config) + registry.counters.map { c in
            var f = MetricFamily(c.name, .counter, help: c.help)
            f.add(Double(freed[c.key] ?? 0))
            return f
        }
    }
}

extension Counters {
    /// The counter families Counters writes itself (the checks' freed-bytes counters aside).
    public static let familyNames = ["nodeguard_node_restarts_total", "nodeguard_producer_blocks_missed_total", "nodeguard_producer_switches_total",
                                     "nodeguard_producer_lease_renewals_failed_total"]

    /// Why production moved, as nodeguard_producer_switches_total's reason.
    public static let switchReasons = ["not_running", "silent", "behind", "turn_missed", "restart", "operator"]

    /// Each configured group's counters, every reason from 0.
    func producerFamilies(_ config: Config) -> [MetricFamily] {
        guard !config.producers.isEmpty else { return [] }
        var missed = MetricFamily(Self.familyNames[1], .counter,
                                  help: "Blocks of the producer account missed: slots of its turns with no block of its own, counted on the chain.")
        var moved = MetricFamily(Self.familyNames[2], .counter,
                                 help: "Times production of the account moved to another member, by why.")
        for g in config.producers {
            missed.add(Double(blocksMissed[g.account] ?? 0), ("account", g.account))
            for r in Self.switchReasons { moved.add(Double(switches[SwitchKey(account: g.account, reason: r)] ?? 0), ("account", g.account), ("reason", r)) }
        }
        let leased = config.producers.filter(\.lease.enabled)
        guard !leased.isEmpty else { return [missed, moved] }
        var renewals = MetricFamily(Self.familyNames[3], .counter, help: "Renewals of the producer group's etcd lease that etcd did not acknowledge (unreachable, no quorum, refused).")
        for g in leased { renewals.add(Double(renewalsFailed[g.account] ?? 0), ("account", g.account)) }
        return [missed, moved, renewals]
    }
}
