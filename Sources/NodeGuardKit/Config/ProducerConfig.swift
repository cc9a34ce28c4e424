// A producer group: [producer.ACCOUNT], the nodeos nodes that hold
// ACCOUNT's key, in order of preference. nodeguard keeps at most one of them
// producing (docs/producers.md); each member is a node of its own, with its
// memory, liveness and restart budget.
import TOML

public struct ProducerGroup: Equatable, Sendable {
    /// The producer account as the schedule names it.
    public var account = ""
    /// Node names, in order of preference.
    public var nodes: [String] = []
    /// A member whose head block is older than this is not healthy. 15 s:
    /// another producer's whole turn missed leaves a synced node's head 6 s
    /// old, two in a row 12 s; a node further behind is catching up, and a
    /// block it signed would be on an old head.
    public var maxLag: Double = 15
    /// How long a member that runs may stay unconfirmed paused while another
    /// is to be resumed, before it is fenced (its process stopped).
    public var fenceAfter: Double = 5
    /// Members on several hosts: etcd's lease decides which host may produce.
    public var lease = ProducerLease()

    public init(account: String = "", nodes: [String] = []) { self.account = account; self.nodes = nodes }
}

public typealias ProducerKeySpec = TableKeySpec<ProducerGroup>

extension NodeConfig {
    /// Where the node's producer API answers: producer_api, else the origin
    /// of its rpc_url (nodeos serves both on its http-server-address).
    public var producerAPIURL: String {
        if let own = producerAPI { return own }
        return Self.origin(liveness.url ?? RPCDialect.nodeos.defaultURL!)
    }

    /// "http://127.0.0.1:8888/v1/chain/get_info" -> "http://127.0.0.1:8888".
    static func origin(_ url: String) -> String {
        guard url.hasPrefix("http://") else { return url }
        let rest = url.dropFirst(7)
        return "http://" + (rest.firstIndex(of: "/").map { String(rest[..<$0]) } ?? String(rest))
    }
}

extension Schema {
    /// nodeos's default for a clean shutdown: it writes its state to disk.
    static let producerStopTimeout: Double = 120

    public static let producerKeys: [ProducerKeySpec] = [
        ProducerKeySpec(key: "nodes", help: "The nodes (their [node.NAME]) that hold this account's key, each with rpc = \"nodeos\", in order of preference: the first healthy one produces. At least two.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in g.nodes = try stringArray(n, what: "[\"producer\", \"failover\"]") },
                        show: { quoted($0.nodes) }),
        ProducerKeySpec(key: "max_lag", help: "A member whose head block is older than this is not healthy: it is never resumed. The default allows two other producers' turns missed in a row.",
                        range: .seconds(1...600), read: { (g: inout ProducerGroup, n, r) throws(UnitError) in g.maxLag = try r.seconds(n) },
                        show: { TimeSpan.format($0.maxLag) }),
        ProducerKeySpec(key: "fence_after", help: "How long a member whose process runs may stay unconfirmed paused (its producer API not answering, or not reading paused) while another member is to be resumed; then it is fenced: its process stopped before the other is resumed.",
                        range: .seconds(1...600), read: { (g: inout ProducerGroup, n, r) throws(UnitError) in g.fenceAfter = try r.seconds(n) },
                        show: { TimeSpan.format($0.fenceAfter) }),
    ] + leaseKeys

    static let producerAPIKey = NodeKeySpec(key: "producer_api", help: "A nodeos member's producer API (producer_api_plugin), over loopback. Default: the origin of rpc_url, such as http://127.0.0.1:8888.",
        read: { (c: inout NodeConfig, n) throws(UnitError) in
            let s = try string(n, "a URL such as \"http://127.0.0.1:8888\"")
            do throws(HTTPError) { _ = try TCPAddress.parse(url: s) } catch { throw UnitError(message: error.message.replacing("rpc_url", with: "producer_api")) }
            c.producerAPI = NodeConfig.origin(s)
        },
        show: { $0.producerAPI ?? "" })
}

extension TableReader {
    static let maxProducerGroups = 16

    /// [producer.ACCOUNT] tables, one a producer account.
    mutating func readProducers(_ table: TOMLTable, at position: SourcePosition) {
        for entry in table.entries {
            guard case .table(let t) = entry.node.value else {
                problem(entry.keyPosition, "[producer] holds one table a producer account, as in [producer.ourbpaccount] with nodes = [\"producer\", \"failover\"]; `\(TOMLKeyPath.displayKey(entry.key))` is not a table")
                continue
            }
            guard config.producers.count < Self.maxProducerGroups else {
                problem(entry.node.position, "more than \(Self.maxProducerGroups) producer groups")
                return
            }
            guard Self.isAccountName(entry.key) else {
                problem(entry.keyPosition, "`\(TOMLKeyPath.displayKey(entry.key))` is not an Antelope account name: 1 to 12 of a-z, 1-5 and `.`, not ending in `.`, as the schedule writes it")
                continue
            }
            var group = ProducerGroup(account: entry.key)
            let prefix = "producer.\(entry.key)"
            for e in t.entries where read(e, into: &group, keys: Schema.producerKeys, prefix: prefix) {
                setAt["\(prefix).\(e.key)"] = e.node.position
            }
            producerTables[entry.key] = entry.node.position
            config.producers.append(group)
        }
    }

    /// An Antelope name: up to 12 characters of a-z, 1-5 and `.` (a 13th is
    /// possible on chain but no producer uses one).
    static func isAccountName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 12 && !s.hasSuffix(".")
            && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 49 && $0 <= 53) || $0 == 46 }
    }
}

// What is caught about the groups before running: each member a nodeos
// node, in one group only, the group at least two, the producer API on
// loopback. Said at the group's `nodes`, or at the member's key.
extension TableReader {
    func at(producer account: String, _ key: String) -> SourcePosition {
        let name = "producer.\(account).\(key)"
        if failed.contains(name) { return Self.notJudged }
        return setAt[name] ?? producerTables[account] ?? SourcePosition(line: 1, column: 1)
    }

    mutating func relateProducers() {
        var memberOf: [String: String] = [:]
        for i in config.producers.indices {
            let g = config.producers[i]
            let p = "producer.\(g.account)"
            let at = at(producer: g.account, "nodes")
            relateLease(g)
            if let twice = g.nodes.first(where: { n in g.nodes.filter { $0 == n }.count > 1 }) {
                problem(at, "\(p).nodes names `\(twice)` twice")
            }
            // Across hosts each host names its own members: one is a group.
            if Set(g.nodes).count < (g.lease.enabled || failed.contains("\(p).lease") ? 1 : 2) {
                problem(at, "\(p).nodes: a producer group needs at least two nodes, the producing one and a standby, such as [\"producer\", \"failover\"]; with one node there is nothing to fail over to: guard it as a node alone, or give the group a lease with the other hosts (docs/producers.md)")
            }
            for name in Set(g.nodes).sorted(by: { g.nodes.firstIndex(of: $0)! < g.nodes.firstIndex(of: $1)! }) {
                guard let node = config.node(named: name) else {
                    problem(at, "\(p).nodes names `\(name)`, which is no node; the nodes are \(nodeList)")
                    continue
                }
                if let other = memberOf[name] {
                    problem(at, "\(p).nodes: node \(name) is already in [producer.\(other)]; a node holds one producer key, so it is in one group only")
                }
                memberOf[name] = memberOf[name] ?? g.account
                if node.liveness.dialect != .nodeos {
                    problem(at, "\(p).nodes: node \(name) has no rpc = \"nodeos\"; a member is a nodeos node: set [node.\(name)] rpc = \"nodeos\" (and rpc_url where it answers)")
                }
            }
        }
        // A member's name mistyped in a group is said there, not again at its producer_api.
        let allNamed = config.producers.allSatisfy { $0.nodes.allSatisfy { config.node(named: $0) != nil } }
        for i in config.nodes.indices { relateProducerAPI(node: i, group: memberOf[config.nodes[i].name], groupsKnown: allNamed) }
    }

    /// A member's producer API: on loopback; its stop_timeout long enough
    /// for nodeos to shut down cleanly. producer_api on no member is a mistake.
    mutating func relateProducerAPI(node i: Int, group: String?, groupsKnown: Bool) {
        let n = config.nodes[i]
        let p = prefix(of: n.name)
        guard group != nil else {
            if n.producerAPI != nil, groupsKnown {
                problem(at(node: n.name, "producer_api"), "\(p).producer_api: node \(n.name) is in no [producer.ACCOUNT] group; add it to one's nodes, or remove producer_api")
            }
            return
        }
        if setAt["\(p).stop_timeout"] == nil { config.nodes[i].stopTimeout = Schema.producerStopTimeout }
        guard let address = try? TCPAddress.parse(url: n.producerAPIURL), !address.isLoopback else { return }
        let key = n.producerAPI != nil ? "producer_api" : "rpc_url"
        problem(at(node: n.name, key), "\(p).\(key): the producer API of \(n.name) is at \(address), not on loopback. pause and resume have no authentication, so nodeos should serve them on 127.0.0.1 only (http-server-address), and nodeguard's unit reaches loopback only (IPAddressAllow=localhost). Bind the producer API to loopback and set producer_api = \"http://127.0.0.1:PORT\"; an RPC elsewhere also needs a drop-in with IPAddressAllow= (docs/install.md, \"The sandbox\"); a member on another host is run by that host's nodeguard (docs/producers.md)")
    }
}

extension TCPAddress {
    /// 127.0.0.0/8 or ::1.
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }
}

extension Schema {
    /// A reload's changes to the groups: "producer.ourbp.nodes [...] -> [...]".
    static func producerChanges(from old: Config, to new: Config) -> [String] {
        var out: [String] = []
        for g in new.producers {
            guard let was = old.producers.first(where: { $0.account == g.account }) else { out.append("producer.\(g.account) added (\(g.nodes.joined(separator: ", ")))"); continue }
            for k in producerKeys where k.value(in: was) != k.value(in: g) {
                out.append("producer.\(g.account).\(k.key) \(k.value(in: was)) -> \(k.value(in: g))")
            }
        }
        for g in old.producers where !new.producers.contains(where: { $0.account == g.account }) { out.append("producer.\(g.account) removed") }
        return out
    }
}
