// Several nodes in the config: [node.NAME] tables, 0.1.0's [node], and what
// `config check` catches before running, each at its line:col.
import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class NodeConfigTests: XCTestCase {
    func testNodeTablesWithTheirOwnKeysAndMemoryDefaults() throws {
        let c = config("""
        interval = "5s"
        [memory]
        restart_above = "1GiB"
        warn_above = "800MiB"
        for = "2m"
        [node.producer]
        unit = "nodeos"
        max_restarts = 5
        [node.failover]
        container = "nodeos-failover"
        restart_above = "900MiB"
        for_cycles = 6
        then_restart = ["failover-proxy"]
        start_when_down = true
        """)
        XCTAssertEqual(c.nodes.map(\.name), ["producer", "failover"])
        let producer = try XCTUnwrap(c.node(named: "producer")), failover = try XCTUnwrap(c.node(named: "failover"))
        XCTAssertEqual(producer.unit, "nodeos.service")
        XCTAssertEqual(producer.maxRestarts, 5)
        XCTAssertEqual(failover.maxRestarts, 3, "defaults per node")
        XCTAssertEqual(c.limits(of: producer), NodeLimits(warnAbove: .bytes(800 << 20), restartAbove: .bytes(1 << 30), sustained: 120, trendWindow: 3600))
        XCTAssertEqual(c.limits(of: failover), NodeLimits(warnAbove: .bytes(800 << 20), restartAbove: .bytes(900 << 20), sustained: 30, trendWindow: 3600))
        XCTAssertEqual(failover.thenRestart, ["failover-proxy"])
        XCTAssertTrue(failover.startWhenDown)
        XCTAssertTrue(c.summary.contains("2 nodes: producer (nodeos.service), failover (nodeos-failover)"), c.summary)
    }

    func testSixteenNodesAndMore() {
        let text = (1...20).map { "[node.n\($0)]\nunit = \"n\($0).service\"\n" }.joined()
        XCTAssertEqual(config(text).nodes.count, 20)
        let many = (1...65).map { "[node.n\($0)]\nunit = \"n\($0).service\"\n" }.joined()
        XCTAssertEqual(errors(many), ["t.toml:129:1: more than 64 nodes; nodeguard guards at most 64 on one host"])
    }

    func testTheSingleNodeOf010KeepsItsMeaning() {
        let unit = config("[node]\nunit = \"dmo-node.service\"\ngrace = \"5m\"\n[memory]\nrestart_above = \"1GiB\"\n")
        XCTAssertEqual(unit.nodes.map(\.name), ["dmo-node"])
        XCTAssertEqual(unit.nodes.first?.grace, 300)
        XCTAssertEqual(unit.limits(of: unit.nodes[0]).restartAbove, .bytes(1 << 30))
        XCTAssertEqual(config("[node]\ncontainer = \"dmo\"\n").nodes.map(\.name), ["dmo"])
        XCTAssertEqual(config("[node]\npidfile = \"/run/bitcoind/bitcoind.pid\"\nrestart_command = [\"/bin/true\"]\n").nodes.map(\.name), ["bitcoind"])
        // As in 0.1.0: [node] without a target guards nothing, and is valid.
        XCTAssertEqual(config("[node]\ngrace = \"5m\"\n").nodes, [])
        XCTAssertEqual(config("").nodes, [])
    }

    func testErrorsAtTheirLineAndColumn() {
        let cases: [(String, String)] = [
            ("[node]\nunit = \"a\"\n[node.b]\nunit = \"b\"\n",
             "t.toml:3:1: [node.b] and keys directly in [node] (`unit` at 2:1) cannot be mixed: move those keys into a [node.NAME] table, or keep one [node] table for a single node"),
            ("[node.dmo]\nunit = \"a\"\nmax_restart = 2\n", "t.toml:3:1: unknown key `max_restart` in [node.dmo], did you mean `max_restarts`?"),
            ("[node.dmo]\nunit = \"a\"\npaths = [\"/\"]\n", "t.toml:3:1: unknown key `paths` in [node.dmo]; it belongs in [disk]"),
            ("grace = \"5m\"\n", "t.toml:1:1: unknown key `grace`; it belongs in a node's table, such as [node.dmo]"),
            ("[node.\"my node\"]\nunit = \"a\"\n", "t.toml:1:7: node name `\"my node\"` must be letters, digits, -, _ or . (at most 64), as in [node.dmo]; it names the node in events and state files"),
            ("[node.dmo]\ngrace = \"5m\"\n", "t.toml:1:1: node.dmo: set `unit`, `container` or `pidfile`, so nodeguard knows which process is the node"),
            ("[node.dmo]\nunit = \"a\"\nmax_restarts = \"three\"\n", "t.toml:3:16: node.dmo.max_restarts: expected an integer, found a string"),
            ("[node.a]\nunit = \"x\"\n[node.b]\nunit = \"x.service\"\n", "t.toml:4:8: node.b.unit: node a is already unit x.service; two nodes cannot be the same unit"),
            ("[node.dmo]\nunit = \"a\"\nrestart_above = \"40%\"\n", "t.toml:3:17: node.dmo: warn_above (50% from [memory]) must be below restart_above (40%)"),
            ("[node.dmo]\ncontainer = \"dmo\"\nthen_restart = [\"web\", \"dmo\"]\n", "t.toml:3:16: node.dmo.then_restart names the node itself (`dmo`); list only the services to restart after it"),
            ("[node.dmo]\npidfile = \"/run/d.pid\"\nrestart_command = [\"/bin/true\"]\nthen_restart = [\"web\"]\n",
             "t.toml:4:16: node.dmo.then_restart: dependents are units of a unit node or containers of a container node; a pidfile node has neither"),
            ("[node.dmo]\nunit = \"a\"\nfor = \"1m\"\nfor_cycles = 3\n", "t.toml:4:14: node.dmo: set either `for` or `for_cycles`, not both"),
            ("[memory]\nhost_floor_restarts = [\"dmo\", \"ghost\"]\n[node.dmo]\nunit = \"a\"\n", "t.toml:2:23: memory.host_floor_restarts names `ghost`, which is no node; the nodes are dmo"),
            ("[memory]\nhost_floor_restarts = \"biggest\"\n", "t.toml:2:23: memory.host_floor_restarts: `biggest` is not a choice; use \"largest\", \"none\" or node names in order, such as [\"failover\", \"producer\"]"),
            ("[bandwidth]\nquota = \"1TB\"\naction = \"stop-node\"\n[node.web]\ncontainer = \"web\"\n",
             "t.toml:3:10: bandwidth.action = \"stop-node\" stops systemd units; node web is no unit: leave it out of action_nodes, or give a command array"),
            ("[bandwidth]\naction_nodes = [\"dmo\"]\n", "t.toml:2:16: bandwidth.action_nodes names `dmo`, which is no node; the nodes are none"),
        ]
        for (text, expected) in cases { XCTAssertEqual(errors(text), [expected], text) }
    }

    func testDependentsOfAUnitNodeAreUnits() {
        let c = config("[node.dmo]\nunit = \"dmo-node\"\nthen_restart = [\"dmo-bridge\", \"dmo-web.service\"]\n")
        XCTAssertEqual(c.nodes.first?.thenRestart, ["dmo-bridge.service", "dmo-web.service"])
        let d = config("[node.dmo]\ncontainer = \"dmo-node\"\nthen_restart = [\"dmo-bridge\", \"dmo-web\"]\n")
        XCTAssertEqual(d.nodes.first?.thenRestart, ["dmo-bridge", "dmo-web"], "in order, as written")
    }

    func testReloadNamesNodesAddedChangedAndRemoved() {
        let a = config("[node.a]\nunit = \"a\"\n[node.b]\nunit = \"b\"\n")
        let b = config("[node.a]\nunit = \"a\"\ngrace = \"1m\"\n[node.c]\ncontainer = \"c\"\n")
        XCTAssertEqual(Schema.changes(from: a, to: b), ["node.a.grace 10m -> 1m", "node.c added (c)", "node.b removed"])
    }
}

final class HostFloorTests: XCTestCase {
    typealias C = HostFloor.Candidate
    func testChoice() {
        let nodes = [C(name: "producer", anonBytes: 900 << 20, graceLeft: 0, overBudget: false),
                     C(name: "failover", anonBytes: 1200 << 20, graceLeft: 120, overBudget: false),
                     C(name: "proxy", anonBytes: 100 << 20, graceLeft: 0, overBudget: false),
                     C(name: "web", anonBytes: 2000 << 20, graceLeft: 0, overBudget: true),
                     C(name: "down", anonBytes: nil, graceLeft: 0, overBudget: false)]
        let cases: [(HostFloorRestarts, HostFloor.Choice)] = [
            (.largest, .restart(name: "producer", why: "900 MiB, the most anonymous memory of the 2 nodes that may be restarted; skipped: failover in grace, 2m left, web over its restart budget, down not running or unreadable")),
            (.inOrder(["failover", "proxy", "producer"]), .restart(name: "proxy", why: "100 MiB, second in host_floor_restarts; skipped: failover in grace, 2m left, web over its restart budget, down not running or unreadable")),
            (.inOrder(["producer"]), .restart(name: "producer", why: "900 MiB, first in host_floor_restarts")),
            (.inOrder(["web", "down"]), .nobody(why: "no node in host_floor_restarts may be restarted: web over its restart budget, down not running or unreadable")),
            (.none, .nobody(why: "host_floor_restarts is \"none\"")),
        ]
        for (rule, expected) in cases { XCTAssertEqual(HostFloor.choose(nodes, by: rule), expected, "\(rule)") }
        XCTAssertEqual(HostFloor.choose([nodes[1], nodes[3]], by: .largest),
                       .nobody(why: "no node may be restarted: failover in grace, 2m left, web over its restart budget"))
    }
}

final class NodeSuggestionsTests: XCTestCase {
    /// From the host's RAM and what the other nodes use, never from the node's
    /// own memory now: a node that leaked to 1.2 GiB is not given 1.9 GiB.
    func testThresholdsFromRAMAndTheOthersNotFromALeak() {
        let mib: UInt64 = 1 << 20
        let cases: [(UInt64, UInt64, UInt64, UInt64)] = [
            // others, RAM -> warn, restart
            (0, 2048 * mib, 1228 * mib, 1536 * mib),          // 75% of 2 GiB for one node
            (120 * mib, 2048 * mib, 1126 * mib, 1408 * mib),  // less a bridge's 120 MiB, down to 16 MiB
            (1800 * mib, 2048 * mib, 204 * mib, 256 * mib),   // never under 256 MiB
        ]
        for (others, ram, warn, restart) in cases {
            let t = NodeSuggestions.thresholds(others: others, ram: ram)
            XCTAssertEqual(t.restart, restart, "restart beside \(others >> 20) MiB")
            XCTAssertEqual(t.warn, warn, "warn beside \(others >> 20) MiB")
        }
    }

    /// What it prints, uncommented, is a config that checks, with the likely nodes only.
    func testSuggestionsArePasteable() {
        let found = [RunningService(kind: .unit, name: "dmo-node.service", anonBytes: 827 << 20),
                     RunningService(kind: .unit, name: "systemd-journald.service", anonBytes: 300 << 20),
                     RunningService(kind: .unit, name: "cron.service", anonBytes: 2 << 20),
                     RunningService(kind: .container, name: "dmo-bridge", anonBytes: 120 << 20),
                     RunningService(kind: .container, name: "tiny", anonBytes: 10 << 20)]
        let text = NodeSuggestions.text(found, ram: 2 << 30, docker: .asked(socket: "/run/user/docker.sock"))
        let pasted = text.split(separator: "\n").map { $0.hasPrefix("# [") || $0.hasPrefix("# unit = ") || $0.hasPrefix("# container = ")
            || $0.hasPrefix("# docker_socket") || $0.hasPrefix("# warn_above") || $0.hasPrefix("# restart_above") ? String($0.dropFirst(2)) : String($0) }.joined(separator: "\n")
        let c = config(pasted)
        XCTAssertEqual(c.nodes.map(\.name), ["dmo-node", "dmo-bridge"], "largest first; not journald, cron or a tiny container")
        XCTAssertEqual(c.nodes.first?.restartAbove, .bytes(1408 << 20), "75% of 2 GiB less the bridge's 120 MiB")
        XCTAssertEqual(c.nodes.last?.container, "dmo-bridge")
        XCTAssertEqual(c.nodes.last?.dockerSocket, "/run/user/docker.sock", "a socket that is not the default is in the table")
        XCTAssertFalse(NodeSuggestions.text(found, ram: 2 << 30, docker: .asked(socket: "/var/run/docker.sock")).contains("docker_socket"))
        XCTAssertTrue(NodeSuggestions.text([], ram: 2 << 30, docker: .asked(socket: "/var/run/docker.sock")).contains("No service or container uses 64 MiB"))
    }

    func testALeakInProgressIsSaidAndDockerNotAskedIsSaid() {
        let leaking = [RunningService(kind: .unit, name: "dmo-node.service", anonBytes: 1700 << 20)]
        let text = NodeSuggestions.text(leaking, ram: 2 << 30, docker: .notAsked(socket: "/var/run/docker.sock", why: "permission denied"))
        XCTAssertTrue(text.contains("# restart_above = \"1536MiB\""), text)
        XCTAssertTrue(text.contains("it uses 1.7 GiB already"), text)
        XCTAssertTrue(text.contains("# Docker was not asked (/var/run/docker.sock: permission denied): no container is listed"), text)
        XCTAssertTrue(NodeSuggestions.text([], ram: 2 << 30, docker: .notAsked(socket: "/s", why: "no socket there")).contains("No service uses 64 MiB"))
    }

    /// On the 2 GB VPS fixture: its node service is found through the cgroup tree.
    func testServicesOnAFixtureHost() {
        let found = ServicesProbe.units(root: HostRoot(fixture("cgroup-v2-vps")))
        XCTAssertTrue(found.contains(RunningService(kind: .unit, name: "dmo-node.service", anonBytes: 867_172_352)), "\(found)")
    }
}
