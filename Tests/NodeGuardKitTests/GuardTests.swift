import XCTest
@testable import NodeGuardKit

/// The whole cycle on a fixture tree: probes -> rules -> actions -> reporting.
final class GuardTests: XCTestCase, HostTree {
    func makeRoot(anon: UInt64) -> String { makeRoot(["dmo": anon]) }

    func guardFor(root: String, dryRun: Bool, command: [String]) -> (Guard, () -> [Event]) {
        var c = nodeConfig()
        c.memory.sustained = 20
        c.nodes[0].restartCommand = command
        c.stateDirectory = root + "/state"
        c.statusFile = root + "/run/status.json"
        c.disk.paths = ["/"]
        c.bandwidth.enabled = false   // BandwidthTests cover it
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), forceDryRun: dryRun, emit: { events.append($0) })
        return (g, { events })
    }

    func testRestartThroughCommandIsLoggedRecordedAndPersisted() throws {
        let root = makeRoot(anon: 1300 * MiB)
        let marker = root + "/restarted"
        let (g, events) = guardFor(root: root, dryRun: false, command: ["/bin/touch", marker])
        for t in [0.0, 10, 20] { g.runCycle(now: Now(monotonic: t, wall: 5000 + t)) }
        XCTAssertTrue(FileIO.exists(marker), "the command ran")
        let restart = try XCTUnwrap(events().first { $0.kind == .restart })
        XCTAssertEqual(restart.field("ACTION"), "restart")
        XCTAssertEqual(restart.field("TARGET"), "dmo.service")
        XCTAssertEqual(restart.field("OUTCOME"), "/bin/touch exited with status 0")
        XCTAssertEqual(g.view.actions.map(\.action), ["restart"])
        XCTAssertTrue(g.view.summary.hasPrefix("node 1.3 GiB/1.2 GiB, host 1 GiB available, / "), g.view.summary)
        XCTAssertTrue(g.view.summary.contains("grace 10m"), g.view.summary)

        // A new daemon (crash, kill -9) reads the history back: still in grace, same actions.
        let (g2, _) = guardFor(root: root, dryRun: false, command: ["/bin/touch", marker])
        g2.restoreState()
        XCTAssertEqual(g2.node(named: "dmo")?.actuator.policy.history, [5020])
        XCTAssertTrue(FileIO.exists(root + "/state/nodes/dmo"), "the node's own history file")
        XCTAssertEqual(g2.view.actions.map(\.outcome), ["/bin/touch exited with status 0"])
    }

    func testDryRunDecidesButChangesNothing() {
        let root = makeRoot(anon: 1300 * MiB)
        let marker = root + "/restarted"
        let (g, events) = guardFor(root: root, dryRun: true, command: ["/bin/touch", marker])
        for t in [0.0, 10, 20] { g.runCycle(now: Now(monotonic: t, wall: 5000 + t)) }
        XCTAssertFalse(FileIO.exists(marker))
        XCTAssertFalse(FileIO.exists(root + "/state/state"), "dry run persists nothing")
        let e = events().first { $0.kind == .restartDryRun }
        XCTAssertEqual(e?.field("ACTION"), "would-restart")
        XCTAssertTrue(e?.message.hasPrefix("would restart dmo (dry run, through /bin/touch ") == true, e?.message ?? "")
        XCTAssertEqual(e?.field("NODE"), "dmo")
        XCTAssertTrue(g.view.summary.hasSuffix("dry run"))
    }

    func testCheckWithoutActingRestartsNothing() {
        let root = makeRoot(anon: 1300 * MiB)
        let marker = root + "/restarted"
        let (g, _) = guardFor(root: root, dryRun: false, command: ["/bin/touch", marker])
        for t in [0.0, 10, 20, 30] { g.runCycle(now: Now(monotonic: t, wall: 5000 + t), observe: true) }
        XCTAssertFalse(FileIO.exists(marker))
        XCTAssertEqual(g.view.checks.first { $0.check == "node_memory" }?.state, .critical)
    }

    func testStatusFileIsWrittenAndReadable() throws {
        let root = makeRoot(anon: 100 * MiB)
        let (g, _) = guardFor(root: root, dryRun: false, command: ["/bin/true"])
        g.sinks.append(StatusFileSink(path: g.config.statusFile, pid: 99, emit: { _ in }))
        g.runCycle(now: Now(monotonic: 0, wall: 5000))
        let text = try XCTUnwrap(FileIO.readText(root + "/run/status.json"))
        let v = try XCTUnwrap(StatusView(json: try JSON.parse(text)))
        XCTAssertEqual(v.pid, 99)
        XCTAssertEqual(v.checks.map(\.check), ["restart_budget", "node_running", "node_memory", "host_memory", "swap", "disk_free", "disk_inodes", "journal"])
        XCTAssertEqual(v.checks.last?.value, "no journald", "no journald in the fixture: said, not 0 B")
    }

    func testReloadReportsChangesAndKeepsHistory() {
        let root = makeRoot(anon: 1300 * MiB)
        let (g, _) = guardFor(root: root, dryRun: false, command: ["/bin/true"])
        for t in [0.0, 10, 20] { g.runCycle(now: Now(monotonic: t, wall: 5000 + t)) }
        var c = g.config
        c.nodes[0].maxRestarts = 5
        XCTAssertEqual(g.apply(c), ["node.dmo.max_restarts 2 -> 5"])
        XCTAssertEqual(g.node(named: "dmo")?.actuator.policy.history.count, 1)
        XCTAssertEqual(g.node(named: "dmo")?.actuator.policy.maxRestarts, 5)
    }

    /// The working-set trim zaps the process's code pages from its page
    /// tables: afterwards the same code must run and give the same answers,
    /// and the code it zapped is mapped back only as it runs.
    func testCodeRunsTheSameAfterTheWorkingSetTrim() {
        let text = "interval = \"5s\"\n[memory]\nrestart_above = \"1.2GiB\"\nfor = \"2m\"\n"
        guard case .success(let before) = ConfigLoader.decode(text, path: "t") else { return XCTFail("does not parse") }
        XCTAssertGreaterThan(WorkingSet.trim(), 0, "no mapping advised")
        for _ in 0..<3 {
            guard case .success(let after) = ConfigLoader.decode(text, path: "t") else { return XCTFail("does not parse after the trim") }
            XCTAssertEqual(after.summary, before.summary)
            XCTAssertEqual(Size.format(1_288_490_189), "1.2 GiB")
        }
    }
}
