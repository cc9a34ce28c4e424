// [producer.ACCOUNT] across hosts: lease and its keys, their defaults, and
// each refusal one line where the key is.
import XCTest
@testable import NodeGuardKit

final class LeaseConfigTests: XCTestCase {
    static let member = """
        [node.bpa]
        unit = "nodeos"
        rpc = "nodeos"
        rpc_url = "http://127.0.0.1:8888/"
        [producer.ourbp]
        nodes = ["bpa"]

        """

    func testALeaseAndItsDefaults() throws {
        let c = try decode(Self.member + "lease = [\"http://10.0.0.1:2379\", \"http://10.0.0.2:2379\", \"http://10.0.0.3:2379\"]").get()
        let l = c.producers[0].lease
        XCTAssertEqual(l.endpoints.count, 3)
        XCTAssertEqual(l.ttl, 10)
        XCTAssertEqual(l.key(account: "ourbp"), "/nodeguard/producer/ourbp")
        XCTAssertEqual(l.hostName, NotifySink.hostName())
        XCTAssertTrue(try decode(Self.member).failure != nil, "without a lease a group of one is refused")
        let set = try decode(Self.member + "lease = [\"http://10.0.0.1:2379\"]\nlease_ttl = \"20s\"\nlease_key = \"/bp/ourbp\"\nlease_name = \"fra1\"\nlease_user = \"ng\"\nlease_password_file = \"/etc/nodeguard/etcd\"").get()
        XCTAssertEqual(set.producers[0].lease, ProducerLease(endpoints: ["http://10.0.0.1:2379"], ttl: 20, key: "/bp/ourbp", name: "fra1", user: "ng", passwordFile: "/etc/nodeguard/etcd"))
    }

    func testEachRefusalIsOneLineWhereTheKeyIs() {
        let m = Self.member
        let rows: [(String, [String])] = [
            (m + "lease = [\"https://10.0.0.1:2379\"]",
             ["t.toml:7:9: producer.ourbp.lease: `https://10.0.0.1:2379`: https is not supported; nodeguard reaches etcd over plain HTTP (its JSON gateway), so between hosts use a private network or WireGuard and write http://ADDRESS:2379 (docs/producers.md, \"On several hosts\")"]),
            (m + "lease = [\"http://10.0.0.1:2379/v3\"]",
             ["t.toml:7:9: producer.ourbp.lease: `http://10.0.0.1:2379/v3`: an endpoint has no path; write http://ADDRESS:PORT"]),
            (m + "lease = [\"http://etcd1:2379\"]",
             ["t.toml:7:9: producer.ourbp.lease: endpoint `http://etcd1:2379`: `etcd1` is not an IP address; nodeguard does not resolve names, write the address (127.0.0.1)"]),
            (m.replacing("nodes = [\"bpa\"]", with: "nodes = [\"bpa\", \"bpb\"]").replacing("[producer", with: "[node.bpb]\nunit = \"b\"\nrpc = \"nodeos\"\nrpc_url = \"http://127.0.0.1:8889/\"\n[producer") + "lease_ttl = \"20s\"",
             ["t.toml:11:13: producer.ourbp.lease_ttl without lease: name etcd's endpoints in lease = [\"http://ADDRESS:2379\", ...], or remove lease_ttl"]),
            (m + "lease = [\"http://10.0.0.1:2379\"]\nlease_user = \"ng\"",
             ["t.toml:8:14: producer.ourbp: lease_user and lease_password_file go together: etcd authenticates a user with its password"]),
            (m + "lease = [\"http://10.0.0.1:2379\"]\nlease_ttl = \"6s\"",
             ["t.toml:8:13: producer.ourbp.lease_ttl 6s leaves no time to renew the lease before this host must stop producing (a margin of 4.51s at producer_every 1s); set it to 7s or more"]),
            (m + "lease = [\"http://10.0.0.1:2379\", \"http://10.0.0.1:2379\"]",
             ["t.toml:7:9: producer.ourbp.lease: an endpoint is named twice"]),
        ]
        for (toml, lines) in rows {
            XCTAssertEqual(decode(toml).failure?.lines, lines, toml)
        }
    }
}
