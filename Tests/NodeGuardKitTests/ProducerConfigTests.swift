// [producer.ACCOUNT]: what a group is read as, and each refusal as one line
// with its position.
import XCTest
@testable import NodeGuardKit

final class ProducerConfigTests: XCTestCase {
    static let members = """
        [node.producer]
        unit = "nodeos-producer"
        rpc = "nodeos"
        rpc_url = "http://127.0.0.1:8888/v1/chain/get_info"
        [node.failover]
        unit = "nodeos-failover"
        rpc = "nodeos"
        rpc_url = "http://127.0.0.1:8889/v1/chain/get_info"
        producer_api = "http://127.0.0.1:8890/"

        """

    func testAGroupAndItsDefaults() throws {
        let c = try decode(Self.members + "[producer.ourbpaccount]\nnodes = [\"producer\", \"failover\"]").get()
        XCTAssertEqual(c.producers, [ProducerGroup(account: "ourbpaccount", nodes: ["producer", "failover"])])
        XCTAssertEqual(c.producerEvery, 1)
        XCTAssertEqual([c.producers[0].maxLag, c.producers[0].fenceAfter], [15, 5])
        XCTAssertEqual(c.node(named: "producer")?.producerAPIURL, "http://127.0.0.1:8888", "the origin of rpc_url")
        XCTAssertEqual(c.node(named: "failover")?.producerAPIURL, "http://127.0.0.1:8890")
        XCTAssertEqual(c.node(named: "producer")?.stopTimeout, 120, "long enough for nodeos to shut down cleanly")
        XCTAssertEqual(c.producerGroup(of: "failover")?.account, "ourbpaccount")
        let set = try decode("producer_every = \"2s\"\n" + Self.members.replacing("rpc = \"nodeos\"\nrpc_url = \"http://127.0.0.1:8888/v1/chain/get_info\"", with: "rpc = \"nodeos\"\nstop_timeout = \"5m\"")
                                 + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]\nmax_lag = \"30s\"\nfence_after = \"3s\"").get()
        XCTAssertEqual([set.producerEvery, set.producers[0].maxLag, set.producers[0].fenceAfter, set.nodes[0].stopTimeout], [2, 30, 3, 300])
        XCTAssertEqual(set.node(named: "producer")?.producerAPIURL, "http://127.0.0.1:8888", "nodeos's default rpc_url")
    }

    func testEachRefusalIsOneLineWhereTheKeyIs() {
        let m = Self.members, m0 = Self.members.replacing("producer_api = \"http://127.0.0.1:8890/\"\n", with: "")
        let rows: [(String, [String])] = [
            (m0 + "[producer.ourbp]\nnodes = [\"producer\"]",
             ["t.toml:10:9: producer.ourbp.nodes: a producer group needs at least two nodes, the producing one and a standby, such as [\"producer\", \"failover\"]; with one node there is nothing to fail over to: guard it as a node alone, or give the group a lease with the other hosts (docs/producers.md)"]),
            (m0 + "[producer.ourbp]\nnodes = [\"producer\", \"fallover\"]",
             ["t.toml:10:9: producer.ourbp.nodes names `fallover`, which is no node; the nodes are producer, failover"]),
            (m + "[producer.ourbp]\nnodes = [\"producer\", \"producer\", \"failover\"]",
             ["t.toml:11:9: producer.ourbp.nodes names `producer` twice"]),
            (m0 + "[node.btc]\nunit = \"bitcoind\"\n[producer.ourbp]\nnodes = [\"producer\", \"btc\"]",
             ["t.toml:12:9: producer.ourbp.nodes: node btc has no rpc = \"nodeos\"; a member is a nodeos node: set [node.btc] rpc = \"nodeos\" (and rpc_url where it answers)"]),
            (m + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]\n[producer.otherbp]\nnodes = [\"failover\", \"producer\"]",
             ["t.toml:13:9: producer.otherbp.nodes: node failover is already in [producer.ourbp]; a node holds one producer key, so it is in one group only",
              "t.toml:13:9: producer.otherbp.nodes: node producer is already in [producer.ourbp]; a node holds one producer key, so it is in one group only"]),
            (m.replacing("http://127.0.0.1:8890/", with: "http://10.0.0.5:8890") + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]",
             ["t.toml:9:16: node.failover.producer_api: the producer API of failover is at 10.0.0.5:8890, not on loopback. pause and resume have no authentication, so nodeos should serve them on 127.0.0.1 only (http-server-address), and nodeguard's unit reaches loopback only (IPAddressAllow=localhost). Bind the producer API to loopback and set producer_api = \"http://127.0.0.1:PORT\"; an RPC elsewhere also needs a drop-in with IPAddressAllow= (docs/install.md, \"The sandbox\"); a member on another host is run by that host's nodeguard (docs/producers.md)"]),
            (m.replacing("http://127.0.0.1:8888/v1", with: "http://192.168.1.4:8888/v1") + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]",
             ["t.toml:4:11: node.producer.rpc_url: the producer API of producer is at 192.168.1.4:8888, not on loopback. pause and resume have no authentication, so nodeos should serve them on 127.0.0.1 only (http-server-address), and nodeguard's unit reaches loopback only (IPAddressAllow=localhost). Bind the producer API to loopback and set producer_api = \"http://127.0.0.1:PORT\"; an RPC elsewhere also needs a drop-in with IPAddressAllow= (docs/install.md, \"The sandbox\"); a member on another host is run by that host's nodeguard (docs/producers.md)"]),
            (m, ["t.toml:9:16: node.failover.producer_api: node failover is in no [producer.ACCOUNT] group; add it to one's nodes, or remove producer_api"]),
            (m0 + "[producer.OurBP]\nnodes = [\"producer\", \"failover\"]",
             ["t.toml:9:11: `OurBP` is not an Antelope account name: 1 to 12 of a-z, 1-5 and `.`, not ending in `.`, as the schedule writes it"]),
            (m0 + "[producer]\nnodes = [\"producer\", \"failover\"]",
             ["t.toml:10:1: [producer] holds one table a producer account, as in [producer.ourbpaccount] with nodes = [\"producer\", \"failover\"]; `nodes` is not a table"]),
            (m + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]\nmax_lagg = \"5s\"",
             ["t.toml:12:1: unknown key `max_lagg` in [producer.ourbp], did you mean `max_lag`?"]),
        ]
        for (toml, lines) in rows {
            XCTAssertEqual(decode(toml).failure?.lines, lines, toml)
        }
        XCTAssertEqual(decode("producer_every = \"100ms\"\n").failure?.lines, ["t.toml:1:18: producer_every: duration out of range; it must be between 500ms and 1m"])
    }

    func testAReloadSaysWhatChangedInAGroup() throws {
        let a = try decode(Self.members + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]").get()
        let b = try decode(Self.members + "[producer.ourbp]\nnodes = [\"failover\", \"producer\"]\nmax_lag = \"20s\"").get()
        XCTAssertEqual(Schema.changes(from: a, to: b), ["producer.ourbp.nodes [\"producer\", \"failover\"] -> [\"failover\", \"producer\"]", "producer.ourbp.max_lag 15s -> 20s"])
        XCTAssertEqual(Schema.changes(from: b, to: try decode(Self.members.replacing("producer_api = \"http://127.0.0.1:8890/\"\n", with: "")).get()),
                       ["node.producer.stop_timeout 2m -> 30s", "node.failover.stop_timeout 2m -> 30s",
                        "node.failover.producer_api http://127.0.0.1:8890 -> (unset)", "producer.ourbp removed"], "a node out of its group takes the default stop_timeout again")
    }
}
