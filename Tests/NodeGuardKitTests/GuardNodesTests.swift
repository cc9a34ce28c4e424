// Several nodes through whole cycles on a fixture tree: each judged and
// restarted on its own, the host floor's choice, a node that is down, and
// 0.1.0's state carried over.
import XCTest
@testable import NodeGuardKit

final class GuardNodesTests: XCTestCase, HostTree {

    func testEachNodeOverItsOwnThresholdWithinItsOwnBudget() {
        let root = makeRoot(["dmo": 1100 * MiB, "web": 180 * MiB])
        let (g, events) = guardFor(root, twoNodes)
        cycles(g, stride(from: 0, through: 300, by: 10))
        let restarts = events().filter { $0.kind == .restart }
        XCTAssertEqual(restarts.map { $0.field("NODE") }, ["dmo", "dmo"], "web stays under its 200 MiB")
        XCTAssertEqual(events().filter { $0.kind == .restartLimit }.map { $0.field("NODE") }, ["dmo"])
        XCTAssertTrue(events().contains { $0.kind == .warning && $0.field("NODE") == "web" }, "web above its own warn_above")
        XCTAssertEqual(g.node(named: "web")?.actuator.policy.history, [], "dmo's restarts never count against web")
        // Now web leaks too: restarted, although dmo is out of budget.
        setAnon(root, "web", 300 * MiB)
        cycles(g, stride(from: 310, through: 350, by: 10))
        XCTAssertEqual(events().filter { $0.kind == .restart }.map { $0.field("NODE") }, ["dmo", "dmo", "web"])
        XCTAssertTrue(FileIO.exists(root + "/restarted-web"))
        XCTAssertTrue(g.view.summary.hasPrefix("2 nodes: "), g.view.summary)
        XCTAssertEqual(Set(g.view.nodeNames), ["dmo", "web"])
    }

    func testHostFloorRestartsTheLargestNode() throws {
        let root = makeRoot(["dmo": 700 * MiB, "web": 120 * MiB], available: 100 * MiB)
        let (g, events) = guardFor(root, twoNodes)
        cycles(g, stride(from: 0, through: 40, by: 10))
        let r = try XCTUnwrap(events().first { $0.kind == .restart })
        XCTAssertEqual(r.field("NODE"), "dmo")
        XCTAssertEqual(r.field("CHECK"), "host_memory")
        XCTAssertTrue(r.message.contains("restarting dmo: 700 MiB, the most anonymous memory of the 2 nodes that may be restarted"), r.message)
        XCTAssertEqual(events().filter { $0.kind == .restart }.count, 1, "one node for one floor")
    }

    func testANodeThatIsDownIsSaidOnceAndStartedWhenAsked() throws {
        let root = makeRoot(["dmo": 100 * MiB])
        let (g, events) = guardFor(root, "[node.dmo]\nunit = \"dmo\"\nstart_when_down = true\ngrace = \"30s\"\n[node.web]\nunit = \"web\"\n")
        cycles(g, stride(from: 0, through: 30, by: 10))
        let down = events().filter { $0.kind == .nodeDown }
        XCTAssertEqual(down.map { $0.field("NODE") }, ["web"], "said once, only for the node that is down")
        XCTAssertEqual(down.first?.priority, .err)
        XCTAssertFalse(FileIO.exists(root + "/restarted-web"), "web is not started: start_when_down is off")
        XCTAssertEqual(g.view.checks.first { $0.node == "web" && $0.check == "node_running" }?.state, .critical)
        XCTAssertEqual(g.view.checks.first { $0.node == "web" && $0.check == "node_running" }?.value, "not running")
        XCTAssertNil(g.view.checks.first { $0.node == "web" && $0.check == "node_memory" }, "no memory for a node that is down")
        setAnon(root, "web", 50 * MiB)
        cycles(g, stride(from: 40, through: 50, by: 10))
        XCTAssertEqual(events().filter { $0.kind == .nodeUp }.map { $0.field("NODE") }, ["web"])
        // dmo goes down: started through its budget.
        _ = CommandRunner.run(["/bin/rm", "-rf", root + "/sys/fs/cgroup/system.slice/dmo.service"], timeout: 10)
        cycles(g, stride(from: 60, through: 70, by: 10))
        let start = try XCTUnwrap(events().first { $0.kind == .restart && $0.field("NODE") == "dmo" })
        XCTAssertEqual(start.field("CHECK"), "node_running")
        XCTAssertTrue(FileIO.exists(root + "/restarted-dmo"))
        XCTAssertEqual(g.node(named: "dmo")?.actuator.policy.history.count, 1, "a start counts against the budget")
    }

    /// A nodeos node that exits at start on a state left by a kill: said
    /// once with its own words, never started or restarted again until it runs.
    func testANodeosNodeThatNeedsAReplayIsNotStartedInALoop() throws {
        let root = makeRoot(["web": 50 * MiB])
        let (g, events) = guardFor(root, "[node.bpa]\nunit = \"bpa\"\nrpc = \"nodeos\"\nrpc_url = \"http://127.0.0.1:1/\"\nstart_when_down = true\ngrace = \"5s\"\nmax_restarts = 5\n")
        let bpa = try XCTUnwrap(g.node(named: "bpa"))
        var looks = 0
        bpa.lastWords = { _ in
            looks += 1
            return ["info  2026-12-06T10:00:00.001 nodeos    main.cpp:207  main ] nodeos using configuration file /etc/nodeos/config.ini",
                    "error 2026-12-06T10:00:00.412 nodeos    main.cpp:222  main ] database dirty flag set (likely due to unclean shutdown): replay required",
                    "bpa.service: Main process exited, code=exited, status=2/INVALIDARGUMENT", "bpa.service: Failed with result 'exit-code'."]
        }
        cycles(g, stride(from: 0, through: 60, by: 5))
        let said = events().filter { $0.kind == .nodeNeedsReplay }
        XCTAssertEqual(said.count, 1)
        XCTAssertEqual(said.first?.priority, .crit)
        XCTAssertEqual(said.first?.field("REASON"), "error 2026-12-06T10:00:00.412 nodeos    main.cpp:222  main ] database dirty flag set (likely due to unclean shutdown): replay required")
        XCTAssertTrue(said.first?.message.contains("Start it once with --replay-blockchain, or from a snapshot") == true, said.first?.message ?? "")
        XCTAssertFalse(FileIO.exists(root + "/restarted-bpa"), "not started")
        XCTAssertEqual(events().filter { $0.kind == .restart || $0.kind == .restartWithheld || $0.kind == .restartLimit }.count, 0)
        XCTAssertEqual(looks, 1, "read once it is known")
        let reading = try XCTUnwrap(g.view.checks.first { $0.node == "bpa" && $0.check == "node_running" })
        XCTAssertTrue(reading.note.contains("it needs a replay or a snapshot"), reading.note)
        // Run again (replayed by the operator): forgotten, looked at again when it next goes down.
        setAnon(root, "bpa", 50 * MiB)
        cycles(g, stride(from: 65, through: 65, by: 5))
        XCTAssertNil(bpa.needsReplay)
    }

    func testNodeosWordsFromAContainerLogAndAJournal() throws {
        let dir = tempDir()
        let lines = (0..<300).map { i in "{\"log\":\"info  block \(i)\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-06T10:00:00Z\"}" }
            + ["{\"log\":\"error 2026-12-06T10:00:00.412 nodeos main.cpp:222 main ] database dirty flag set (likely due to unclean shutdown): replay required\\n\",\"stream\":\"stderr\",\"time\":\"2026-12-06T10:00:01Z\"}"]
        FileIO.writeAtomically(dir + "/c-json.log", lines.joined(separator: "\n") + "\n", durable: false)
        let read = try XCTUnwrap(NodeOutput.containerLines("/c-json.log", root: HostRoot(dir)))
        XCTAssertEqual(read.last, "error 2026-12-06T10:00:00.412 nodeos main.cpp:222 main ] database dirty flag set (likely due to unclean shutdown): replay required")
        XCTAssertTrue(read.first?.hasPrefix("info  block ") == true, "a line cut by the tail is left out: \(read.first ?? "")")
        XCTAssertNotNil(NodeOutput.replayNeeded(read))
        XCTAssertNil(NodeOutput.replayNeeded(Array(read.dropLast())), "a clean exit says nothing")
        XCTAssertNil(NodeOutput.containerLines("", root: HostRoot(dir)), "another log driver: not known")
    }

    /// 0.1.0's state file, as its package wrote it: the history moves to the
    /// node's own file, once, and the move is said.
    func testTheStateOf010IsMigrated() throws {
        let root = makeRoot(["dmo-node": 100 * MiB])
        FileIO.makeDirectories(root + "/state")
        let old = try XCTUnwrap(FileIO.readText(fixture("state-0.1.0/state")))
        FileIO.writeAtomically(root + "/state/state", old, durable: false)
        let (g, events) = guardFor(root, "[node]\nunit = \"dmo-node.service\"\nmax_restarts = 2\n")
        g.restoreState()
        let node = try XCTUnwrap(g.node(named: "dmo-node"))
        XCTAssertEqual(node.actuator.policy.history, [1795388665.5928266, 1795388671.5928042])
        XCTAssertTrue(node.actuator.policy.limitReached, "0.1.0 had reached the limit: it stays reached")
        XCTAssertEqual(events().map(\.kind), [.stateMigrated])
        XCTAssertEqual(events().first?.field("NODE"), "dmo-node")
        XCTAssertTrue(FileIO.exists(root + "/state/nodes/dmo-node"))
        let rewritten = try XCTUnwrap(FileIO.readText(root + "/state/state"))
        XCTAssertFalse(rewritten.contains("\nrestart "), "the history is in the node's file only")
        XCTAssertEqual(g.view.actions.count, 2, "the recent actions stay")
        // A second start finds nothing to migrate.
        let (g2, events2) = guardFor(root, "[node]\nunit = \"dmo-node.service\"\nmax_restarts = 2\n")
        g2.restoreState()
        XCTAssertEqual(events2(), [])
        XCTAssertEqual(g2.node(named: "dmo-node")?.actuator.policy.history, [1795388665.5928266, 1795388671.5928042])
    }
}

extension GuardNodesTests {
    /// With several nodes configured, 0.1.0's history belongs to none of them: kept aside, said.
    func testThe010HistoryWithSeveralNodesIsKeptAside() throws {
        let root = makeRoot(["a": 100 * MiB, "b": 100 * MiB])
        FileIO.makeDirectories(root + "/state")
        let old = try XCTUnwrap(FileIO.readText(fixture("state-0.1.0/state")))
        FileIO.writeAtomically(root + "/state/state", old, durable: false)
        let (g, events) = guardFor(root, "[node.a]\nunit = \"a\"\n[node.b]\nunit = \"b\"\n")
        g.restoreState()
        XCTAssertEqual(g.nodes.map { $0.actuator.policy.history }, [[], []])
        XCTAssertEqual(events().map(\.kind), [.stateMigrated])
        XCTAssertEqual(FileIO.readText(root + "/state/state.0.1.0"), old, "nothing lost")
        XCTAssertFalse((FileIO.readText(root + "/state/state") ?? "").contains("\nrestart "))
    }

    /// The daemon's words are made again at most every `wordsEvery` while
    /// only figures move, and at once when a state changes.
    func testStatusWordsFollowStatesAtOnceAndFiguresEveryFewSeconds() throws {
        let root = makeRoot(["dmo": 500 * MiB, "web": 100 * MiB])
        let (g, _) = guardFor(root, twoNodes)
        g.wordsEvery = 5
        func dmoValue() -> String? { g.view.checks.first { $0.check == "node_memory" && $0.node == "dmo" }?.value }
        cycles(g, stride(from: 0, through: 0, by: 1))
        XCTAssertEqual(dmoValue(), "500 MiB")
        setAnon(root, "dmo", 520 * MiB)   // a figure moves, no state changes
        cycles(g, stride(from: 1, through: 4, by: 1))
        XCTAssertEqual(dmoValue(), "500 MiB", "figures wait for wordsEvery")
        XCTAssertEqual(g.view.checksUpdated, 10_000, "and say how old they are")
        XCTAssertEqual(g.view.updated, 10_004)
        XCTAssertEqual(g.readings.first { $0.check == "node_memory" && $0.node == "dmo" }?.value, .bytes(520 * MiB), "the readings are this cycle's")
        cycles(g, stride(from: 5, through: 5, by: 1))
        XCTAssertEqual(dmoValue(), "520 MiB")
        XCTAssertEqual(g.view.checksUpdated, 10_005)
        setAnon(root, "dmo", 950 * MiB)   // above warn_above: a state change is shown at once
        cycles(g, stride(from: 6, through: 6, by: 1))
        XCTAssertEqual(dmoValue(), "950 MiB")
        XCTAssertEqual(g.view.checks.first { $0.node == "dmo" && $0.check == "node_memory" }?.state, .warning)
        let text = g.view.text(now: 10_006, isDaemon: true)
        XCTAssertFalse(text.contains("figures as of"), text)
        setAnon(root, "dmo", 960 * MiB)
        cycles(g, stride(from: 7, through: 8, by: 1))
        XCTAssertTrue(g.view.text(now: 10_008, isDaemon: true).contains("figures as of"), "nodeguard status says the figures are older")
    }

    func testJSONCarriesEveryReadingAsNumbersInBaseUnits() throws {
        let root = makeRoot(["dmo": 368 * MiB, "web": 100 * MiB])
        let (g, _) = guardFor(root, twoNodes)
        cycles(g, stride(from: 0, through: 0, by: 10))
        let json = try JSON.parse(String(decoding: g.view.jsonBytes(), as: UTF8.self))
        let dmo = try XCTUnwrap(json["nodes"]?["dmo"]?["checks"]?.array?.first { $0["check"]?.string == "node_memory" }
                                ?? json["checks"]?.array?.first { $0["check"]?.string == "node_memory" && $0["node"]?.string == "dmo" })
        XCTAssertEqual(dmo["value"]?.string, "368 MiB", "the words stay")
        XCTAssertEqual(dmo["number"]?.number, Double(368 * MiB))
        XCTAssertEqual(dmo["unit"]?.string, "bytes")
        XCTAssertEqual(dmo["warn_at"]?.array?.first?["number"]?.number, Double(900 * MiB))
        XCTAssertEqual(dmo["critical_at"]?.array?.first?["number"]?.number, Double(GiB))
        XCTAssertEqual(dmo["critical_for_seconds"]?.number, 20)
        // Every reading with a number has it, and a round trip through the status file keeps them.
        let back = try XCTUnwrap(StatusView(json: json))
        XCTAssertEqual(back.checks.map(\.numbers), g.view.checks.map(\.numbers))
        let hasNumber = Dictionary(uniqueKeysWithValues: g.view.checks.map { ("\($0.check) \($0.target)", $0.numbers?.value != nil) })
        XCTAssertEqual(hasNumber, Dictionary(uniqueKeysWithValues: g.readings.map { ("\($0.check) \($0.target)", $0.value.number != nil) }),
                       "a number wherever the reading has one")
    }

    func testCheckAndTheDaemonAgreeOnTheBudgetAndTheActionsSayTheLimit() throws {
        // dmo restarted twice (max_restarts 2), then asked a third time: the limit.
        let root = makeRoot(["dmo": 1100 * MiB, "web": 100 * MiB])
        let (g, _) = guardFor(root, twoNodes)
        cycles(g, stride(from: 0, through: 300, by: 10))
        let daemon = try XCTUnwrap(g.view.checks.first { $0.check == "restart_budget" && $0.node == "dmo" })
        XCTAssertEqual(daemon.state, .critical)
        XCTAssertTrue(daemon.note.contains("re-arms at "), daemon.note)
        XCTAssertEqual(g.view.actions.map(\.action), ["restart", "restart", "restart limit"])
        XCTAssertTrue(g.view.text(now: 10_300, isDaemon: true).contains("restart limit"), "the status text shows it")
        // `nodeguard check` on the same state directory: the same state, without anything else happening.
        var c = g.config
        c.nodes = c.nodes.map { var n = $0; n.restartCommand = ["/bin/false"]; return n }
        let cli = Guard(config: c, root: HostRoot(root), emit: { _ in })
        cli.restoreState(readOnly: true)
        let view = cli.runCycle(now: Now(monotonic: 0, wall: 10_301), observe: true)
        XCTAssertEqual(view.checks.first { $0.check == "restart_budget" && $0.node == "dmo" }?.state, .critical)
        // A rejected reload is a recent action too.
        g.reloadRejected(path: "/etc/nodeguard/nodeguard.toml", errors: 2, now: 10_305)
        XCTAssertEqual(g.view.actions.last?.action, "reload rejected")
        XCTAssertEqual(g.view.actions.last?.outcome, "2 errors; the previous configuration stays in force")
    }
}

/// The restart budget's reading is kept while it reads the same, and made
/// again when the grace ends or a restart is counted.
final class RestartBudgetReadingTests: XCTestCase {
    func testTheBudgetReadingFollowsGraceAndRestarts() {
        let c = nodeConfig { $0.nodes[0].grace = 60; $0.nodes[0].maxRestarts = 3 }
        let n = c.nodes[0]
        let watch = NodeWatch(n, limits: c.limits(of: n), root: HostRoot(tempDir()))
        let check = RestartBudgetCheck(watch)
        func shown(_ t: Double) -> CheckView {
            var cycle = Cycle(now: Now(monotonic: t, wall: 1000 + t), mode: .act, serial: Int(t), whileWaiting: {})
            check.run(&cycle)
            return ReadingText.view(cycle.readings[0])
        }
        XCTAssertEqual(shown(0).value, "0 of 3 in 1h")
        XCTAssertEqual(shown(1).note, "")
        watch.restartAttempted(now: Now(monotonic: 2, wall: 1002))
        XCTAssertEqual(shown(3).value, "1 of 3 in 1h")
        XCTAssertTrue(shown(3).note.contains("grace: 59s left"), shown(3).note)
        XCTAssertTrue(shown(33).note.contains("grace: 29s left"), shown(33).note)
        XCTAssertEqual(shown(70).note, "", "grace over: said no more")
        XCTAssertEqual(shown(71).value, "1 of 3 in 1h")
    }
}
