// A producer group across hosts (issue #28): `lease` in [producer.ACCOUNT]
// names etcd's endpoints, and only the host holding the lease key may have
// a member unpaused. Each host's nodeguard lists its own members in `nodes`.
// etcd is reached over plain HTTP through its JSON gateway: between hosts,
// a private network or WireGuard (docs/producers.md, "On several hosts").
import TOML

public struct ProducerLease: Equatable, Sendable {
    /// etcd's client URLs ("http://10.0.0.1:2379"); empty: every member is on this host.
    public var endpoints: [String] = []
    public var ttl: Double = 10
    /// nil: /nodeguard/producer/ACCOUNT.
    public var key: String?
    /// This host's name in the key; nil: the host name.
    public var name: String?
    public var user: String?
    public var passwordFile: String?

    public var enabled: Bool { !endpoints.isEmpty }
    public func key(account: String) -> String { key ?? "/nodeguard/producer/\(account)" }
    public var hostName: String { name ?? NotifySink.hostName() }
}

extension String {
    /// nil for "": an optional key written empty is unset.
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Schema {
    static let leaseKeys: [ProducerKeySpec] = [
        ProducerKeySpec(key: "lease", help: "etcd's client URLs, as [\"http://10.0.0.1:2379\", \"http://10.0.0.2:2379\", \"http://10.0.0.3:2379\"]: the group's members are on several hosts, each host's nodeguard lists its own in nodes, and only the host that holds the lease key may have a member producing. Empty: every member is on this host. Plain HTTP through etcd's JSON gateway: between hosts, a private network or WireGuard.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in
                            let urls = try stringArray(n, what: "[\"http://10.0.0.1:2379\", \"http://10.0.0.2:2379\"]")
                            for u in urls { try leaseEndpoint(u) }
                            guard Set(urls).count == urls.count else { throw UnitError(message: "an endpoint is named twice") }
                            g.lease.endpoints = urls
                        },
                        show: { quoted($0.lease.endpoints) }),
        ProducerKeySpec(key: "lease_ttl", help: "The lease's time to live in etcd. The holder renews it every third of this, and pauses its member when no renewal was acknowledged for the TTL less a margin (a block, the pause call's 2 s, drift); a standby takes over only once etcd let it expire.",
                        range: .seconds(LeaseTerm.shortestTTL...300), read: { (g: inout ProducerGroup, n, r) throws(UnitError) in g.lease.ttl = try r.seconds(n) },
                        show: { TimeSpan.format($0.lease.ttl) }),
        ProducerKeySpec(key: "lease_key", help: "The key in etcd whose holder produces; unset, /nodeguard/producer/ACCOUNT. Every host of the group names the same.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in
                            let k = try string(n, "a key such as \"/nodeguard/producer/ourbpaccount\"")
                            g.lease.key = k.isEmpty ? nil : k
                        },
                        show: { $0.lease.key ?? "" }),
        ProducerKeySpec(key: "lease_name", help: "This host's name in the lease key, as `nodeguard producer` shows the holder; unset, the host name. Give each host its own.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in g.lease.name = try string(n, "a name such as \"vps-fra1\"").nonEmpty },
                        show: { $0.lease.name ?? "" }),
        ProducerKeySpec(key: "lease_user", help: "An etcd user, when etcd's authentication is on; with lease_password_file.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in g.lease.user = try string(n, "a user name such as \"nodeguard\"").nonEmpty },
                        show: { $0.lease.user ?? "" }),
        ProducerKeySpec(key: "lease_password_file", help: "A file holding lease_user's password (its first line), readable by root only. The password is never logged.",
                        read: { (g: inout ProducerGroup, n) throws(UnitError) in g.lease.passwordFile = try string(n, "a path such as \"/etc/nodeguard/etcd-password\"").nonEmpty },
                        show: { $0.lease.passwordFile ?? "" }),
    ]

    /// An etcd endpoint: http://ADDRESS:PORT, no path.
    static func leaseEndpoint(_ url: String) throws(UnitError) {
        if url.hasPrefix("https://") {
            throw UnitError(message: "`\(url)`: https is not supported; nodeguard reaches etcd over plain HTTP (its JSON gateway), so between hosts use a private network or WireGuard and write http://ADDRESS:2379 (docs/producers.md, \"On several hosts\")")
        }
        let a: TCPAddress
        do throws(HTTPError) { a = try TCPAddress.parse(url: url) } catch {
            throw UnitError(message: error.message.replacing("rpc_url", with: "endpoint").replacing("use rpc_cookie or rpc_user with rpc_password_file", with: "use lease_user with lease_password_file"))
        }
        guard a.path == "/" else { throw UnitError(message: "`\(url)`: an endpoint has no path; write http://ADDRESS:PORT") }
    }
}

extension TableReader {
    /// lease_* need lease; lease_user and lease_password_file go together.
    mutating func relateLease(_ g: ProducerGroup) {
        let p = "producer.\(g.account)"
        // Set to something else than their default ("" is unset, as the reference config shows them).
        let others = ["lease_ttl": g.lease.ttl != ProducerLease().ttl, "lease_key": g.lease.key != nil, "lease_name": g.lease.name != nil,
                      "lease_user": g.lease.user != nil, "lease_password_file": g.lease.passwordFile != nil].filter(\.value).keys.sorted()
        guard g.lease.enabled else {
            for k in others where setAt["\(p).\(k)"] != nil {
                problem(at(producer: g.account, k), "\(p).\(k) without lease: name etcd's endpoints in lease = [\"http://ADDRESS:2379\", ...], or remove \(k)")
            }
            return
        }
        let shortest = LeaseTerm.shortestTTL(every: config.producerEvery)
        if g.lease.ttl < shortest {
            problem(at(producer: g.account, "lease_ttl"), "\(p).lease_ttl \(TimeSpan.format(g.lease.ttl)) leaves no time to renew the lease before this host must stop producing (a margin of \((LeaseTerm.margin(ttl: g.lease.ttl, every: config.producerEvery) * 100).rounded() / 100)s at producer_every \(TimeSpan.format(config.producerEvery))); set it to \(TimeSpan.format(shortest)) or more")
        }
        if (g.lease.user == nil) != (g.lease.passwordFile == nil) {
            let set = g.lease.user == nil ? "lease_password_file" : "lease_user"
            problem(at(producer: g.account, set), "\(p): lease_user and lease_password_file go together: etcd authenticates a user with its password")
        }
    }
}
