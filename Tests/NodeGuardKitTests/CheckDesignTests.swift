// The design's promises: one check a (kind, target), built from one table;
// a reload keeps what each check learnt; readings are figures until
// reporting turns them into words; every check file is registered.
import XCTest
@testable import NodeGuardKit

final class CheckDesignTests: XCTestCase {
    let threeNodes = """
        [node.dmo]
        unit = "dmo"
        rpc = "bitcoind"
        [node.miner]
        pidfile = "/run/miner.pid"
        restart_command = ["/bin/true"]
        [node.web]
        container = "dmo-web"
        restart_unhealthy_after = "2m"
        [node.bp1]
        unit = "nodeos-bp1"
        rpc = "nodeos"
        [node.bp2]
        unit = "nodeos-bp2"
        rpc = "nodeos"
        rpc_url = "http://127.0.0.1:8889/v1/chain/get_info"
        [producer.ourbp]
        nodes = ["bp1", "bp2"]
        [disk]
        paths = ["/", "/var"]
        """

    func kindsAndTargets(_ g: Guard) -> [String] { g.checks.map { "\($0.kind) \($0.target)" } }

    func testOneCheckAKindAndTargetInTheTablesOrder() {
        let g = Guard(config: config(threeNodes), root: HostRoot(tempDir()), emit: { _ in })
        XCTAssertEqual(kindsAndTargets(g), [
            "host_memory host",
            "restart_budget dmo", "restart_budget miner", "restart_budget web", "restart_budget bp1", "restart_budget bp2",
            "docker /var/run/docker.sock",
            "node_running dmo", "node_running miner", "node_running web", "node_running bp1", "node_running bp2",
            "node_memory dmo", "node_memory miner", "node_memory web", "node_memory bp1", "node_memory bp2",
            "container_health web", "chain dmo", "chain bp1", "chain bp2",
            "disk /", "disk /var",
            "docker_logs /var/lib/docker/containers", "journal journald", "bandwidth network", "producer ourbp",
        ])
        XCTAssertEqual(Set(CheckRegistry.standard.declarations.map(\.kind)), Set(g.checks.map(\.kind)), "every kind in the table builds its checks")
    }

    func testAReloadKeepsTheChecksStillConfiguredAndBuildsTheNewOnes() {
        let g = Guard(config: config(threeNodes), root: HostRoot(tempDir()), emit: { _ in })
        let before = g.checks
        let dmoMemory = before.first { $0.kind == "node_memory" && $0.target == "dmo" }
        let slash = before.first { $0.kind == "disk" && $0.target == "/" }
        var c = config(threeNodes.replacingOccurrences(of: "[node.miner]", with: "[node.miner2]")
                                  .replacingOccurrences(of: "\"/var\"", with: "\"/srv\""))
        c.nodes[0].maxRestarts = 9
        _ = g.apply(c)
        XCTAssertTrue(g.checks.first { $0.kind == "node_memory" && $0.target == "dmo" } === dmoMemory, "dmo's memory check keeps its alarms and trend")
        XCTAssertTrue(g.checks.first { $0.kind == "disk" && $0.target == "/" } === slash)
        XCTAssertFalse(before.contains { $0 === g.checks.first { $0.kind == "node_memory" && $0.target == "miner2" } }, "a new node's checks are new")
        XCTAssertNil(g.checks.first { $0.target == "miner" || $0.target == "/var" }, "what is no longer configured is gone")
        XCTAssertEqual(g.node(named: "dmo")?.actuator.policy.maxRestarts, 9)
    }

    /// Each check's file declares one kind, and that kind is in the standard
    /// registry: a file whose line was forgotten builds no check.
    func testEveryCheckInChecksIsRegistered() throws {
        let here = #filePath
        let tests = here[..<here.lastIndex(of: "/")!]
        let dir = String(tests[..<tests.lastIndex(of: "/")!]) + "/../Sources/NodeGuardKit/Checks"
        let registered = CheckRegistry.standard.declarations.map(\.kind)
        var declared: [String] = []
        for f in FileIO.list(dir).sorted() where f.hasSuffix("Check.swift") && f != "Check.swift" {
            let text = try XCTUnwrap(FileIO.readText(dir + "/" + f))
            let kinds = text.components(separatedBy: "static let declaration = CheckDeclaration(\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            XCTAssertEqual(kinds.count, 1, "\(f) declares one kind of check")
            declared += kinds
        }
        XCTAssertEqual(Set(declared), Set(registered), "every declared kind is registered, and nothing else is")
        XCTAssertEqual(declared.count, registered.count, "one file a kind")
    }

    func testReadingsBecomeWordsOnlyInReporting() {
        let table: [(Reading, value: String, warn: String, critical: String, projection: String)] = [
            (Reading(NodeMemoryCheck.memory, target: "dmo.service", node: "dmo", value: .bytes(827 * MiB),
                     warn: Threshold(.above, .bytes(700 * MiB)), critical: Threshold(.above, .bytes(800 * MiB), sustained: 120),
                     state: .critical, projection: .growth(bytesPerHour: 12 * MiB, restartIn: 5400)),
             "827 MiB", "> 700 MiB", "> 800 MiB for 2m", "+12 MiB/h, restart_above in ~1h 30m"),
            (Reading(DiskCheck.free, target: "/", value: .bytes(20 * GiB), figures: [Figure("free share", .share(0.41))],
                     warn: Threshold(.below, .share(0.1), .bytes(5 * GiB)), projection: .fullIn(seconds: 12 * 86400)),
             "20 GiB free (41%)", "< 10% or 5 GiB", "", "full in ~12d"),
            (Reading(HostMemoryCheck.swap, target: "host", value: .word("none")), "none", "", "", ""),
            (Reading(HostMemoryCheck.swap, target: "host", value: .bytes(GiB / 2), figures: [Figure("total", .bytes(GiB))]), "512 MiB of 1 GiB used", "", "", ""),
            (Reading(HostMemoryCheck.pressure, target: "host", value: .percent(0.125), figures: [Figure("full", .percent(0))]),
             "some 0.13% full 0.00% (avg10)", "", "", ""),
            (Reading(RestartBudgetCheck.budget, target: "dmo.service", node: "dmo", value: .count(1),
                     figures: [Figure("max", .count(3)), Figure("window", .seconds(3600))], critical: Threshold(.atLeast, .count(3))),
             "1 of 3 in 1h", "", "≥ 3", ""),
            (Reading(DockerLogsCheck.logs, target: "/var/lib/docker/containers", value: .bytes(3 * GiB),
                     figures: [Figure("containers", .count(4)), Figure("largest", .bytes(GiB)), Figure("largest container", .word("0123456789ab"))],
                     warn: Threshold(.above, .bytes(100 * MiB), scope: "a container")),
             "3 GiB in 4 containers, largest 0123456789ab 1 GiB", "> 100 MiB a container", "", ""),
        ]
        for (r, value, warn, critical, projection) in table {
            let v = ReadingText.view(r)
            XCTAssertEqual([v.value, v.warn, v.critical, v.projection], [value, warn, critical, projection], r.check)
            XCTAssertEqual(v.node, r.node)
        }
    }
}
