import XCTest
@testable import NodeGuardKit

/// The liveness keys: defaults per dialect, and each rule between keys as
/// one line with its position.
final class LivenessConfigTests: XCTestCase {
    func settings(_ toml: String) throws -> LivenessSettings {
        let c = try decode(toml).get()
        return try XCTUnwrap(LivenessSettings(c.nodes[0].liveness, interval: c.interval))
    }

    func testDefaultsFitEachDialect() throws {
        let btc = try settings("[node.btc]\nunit = \"bitcoind\"\nrpc = \"bitcoind\"\nrpc_cookie = \"/var/lib/bitcoind/.cookie\"")
        XCTAssertEqual(btc.url, "http://127.0.0.1:8332/")
        XCTAssertEqual(btc.credentials, .cookie(path: "/var/lib/bitcoind/.cookie"))
        XCTAssertEqual([btc.stalledAfter, btc.downAfter, btc.startupGrace, btc.timeout, btc.every], [7200, 600, 1200, 15, 30])
        let xmr = try settings("[node.xmr]\nunit = \"monerod\"\nrpc = \"monero\"\nstalled_after = \"45m\"")
        XCTAssertEqual(xmr.url, "http://127.0.0.1:18081/json_rpc")
        XCTAssertEqual([xmr.stalledAfter, xmr.downAfter], [2700, 300])
        let eos = try settings("interval = \"1m\"\n[node.bp]\nunit = \"nodeos\"\nrpc = \"nodeos\"\nrpc_every = \"5s\"")
        XCTAssertEqual([eos.stalledAfter, eos.every], [180, 60], "never asked more often than interval")
    }

    func testEachRuleIsOneLineWhereTheKeyIs() {
        let rows: [(String, String)] = [
            ("[node.a]\nunit = \"a\"\nstalled_after = \"1h\"", "t.toml:3:17: node.a.stalled_after belongs to chain liveness; set node.a.rpc too (such as rpc = \"bitcoind\")"),
            ("[node.a]\nunit = \"a\"\nrpc = \"geth\"", "t.toml:3:7: node.a.rpc: unknown rpc `geth`; use one of \"bitcoind\", \"monero\", \"ethereum\", \"nodeos\", \"http\""),
            ("[node.a]\nunit = \"a\"\nrpc = \"http\"", "t.toml:3:7: node.a: rpc = \"http\" needs rpc_url, the URL that answers JSON"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nrpc_url = \"https://127.0.0.1:8332/\"", "t.toml:4:11: node.a.rpc_url: rpc_url `https://127.0.0.1:8332/`: https is not supported for a node's RPC, which nodeguard reaches over loopback; use http://127.0.0.1:PORT/"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nrpc_user = \"u\"\nrpc_password = \"hunter2\"", "t.toml:5:16: node.a.rpc_password: this config file can be read by users other than root; put the password in a file named by rpc_password_file (mode 0600), or `chmod 600` this file and `chown root` it"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nrpc_user = \"u\"", "t.toml:4:12: node.a.rpc_user needs rpc_password_file, a file that holds the password"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nrpc_cookie = \"/c\"\nrpc_user = \"u\"\nrpc_password_file = \"/p\"", "t.toml:4:14: node.a: set one of rpc_cookie, rpc_password_file or rpc_password, not several"),
            ("[node.a]\nunit = \"a\"\nrpc = \"monero\"\nbehind_by = 5\nreference = \"headers\"", "t.toml:5:13: node.a.reference = \"headers\" is bitcoind's own header chain; for rpc = \"monero\" name another node"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nbehind_by = 5", "t.toml:4:13: node.a.behind_by needs a reference: another node of the same chain, or \"headers\" for bitcoind"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nbehind_by = 5\nreference = \"b\"\n[node.b]\nunit = \"b\"\nrpc = \"monero\"", "t.toml:5:13: node.a.reference: node b must be watched with the same rpc (bitcoind) to be compared; set its rpc"),
            ("[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nbehind_by = 5\nreference = \"z\"", "t.toml:5:13: node.a.reference names `z`, which is no node; the nodes are a, or \"headers\" for bitcoind"),
        ]
        for (toml, line) in rows {
            XCTAssertEqual(decode(toml).failure?.lines, [line], toml)
        }
    }

    func testAnInlinePasswordIsTakenFromAFileOnlyRootCanRead() throws {
        let toml = "[node.a]\nunit = \"a\"\nrpc = \"bitcoind\"\nrpc_user = \"u\"\nrpc_password = \"hunter2\""
        let c = try ConfigLoader.decode(toml, path: "t.toml", privateFile: true).get()
        let s = try XCTUnwrap(LivenessSettings(c.nodes[0].liveness, interval: 10))
        XCTAssertEqual(s.credentials, .inline(user: "u"))
        XCTAssertFalse(s.credentials.description.contains("hunter2"))
        let shown = Schema.nodeKeys.map { $0.value(in: c.nodes[0]) }.joined(separator: " ")
        XCTAssertFalse(shown.contains("hunter2"), "the reload diff never shows the password")
    }
}

extension Result {
    var failure: Failure? { if case .failure(let e) = self { return e }; return nil }
}
