// Bandwidth accounting through whole cycles: a corrupt ledger moved aside,
// the quota warning and action each said once.
import XCTest
@testable import NodeGuardKit

final class BandwidthGuardTests: XCTestCase {
    func testCorruptLedgerIsMovedAsideAndLogged() {
        let dir = tempDir()
        var c = Config()
        c.stateDirectory = dir
        c.statusFile = dir + "/status.json"
        FileIO.writeAtomically(dir + "/bandwidth", "version 1\nboot_id x\nmonth 2026-11-01 12", durable: false)
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(fixture("cgroup-v2-vps")), emit: { events.append($0) })
        g.restoreState()
        XCTAssertEqual(events.map(\.kind), [.stateCorrupt])
        XCTAssertFalse(FileIO.exists(dir + "/bandwidth"))
        XCTAssertTrue(FileIO.list(dir).contains { $0.hasPrefix("bandwidth.corrupt-") })
        g.runCycle()
        XCTAssertTrue(FileIO.exists(dir + "/bandwidth"), "counting afresh, baseline saved at once")
    }
}

/// The whole cycle on a fixture tree whose counters move: quota warning and
/// action, each once, with used, quota and projection in the journal fields.
final class QuotaActionTests: XCTestCase, HostTree {
    func run(dryRun: Bool) -> (events: [Event], marker: String, root: String) {
        let root = makeRoot()
        let marker = root + "/throttled"
        var c = Config()
        c.stateDirectory = root + "/state"
        c.statusFile = root + "/status.json"
        c.disk.paths = ["/"]
        c.bandwidth.quota = 1_000_000
        c.bandwidth.action = .command(["/bin/touch", marker])
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), forceDryRun: dryRun, emit: { events.append($0) })
        let t0 = Now.read()
        // The counters are read every 10 s (BandwidthCheck.every).
        g.runCycle(now: t0)                                     // baseline
        setCounters(root, rx: 500_000, tx: 350_000)             // 85%: past warn_at
        g.runCycle(now: Now(monotonic: t0.monotonic + 10, wall: t0.wall + 10))
        setCounters(root, rx: 600_000, tx: 400_000)             // 100%: past action_at
        g.runCycle(now: Now(monotonic: t0.monotonic + 20, wall: t0.wall + 20))
        setCounters(root, rx: 700_000, tx: 400_000)
        g.runCycle(now: Now(monotonic: t0.monotonic + 21, wall: t0.wall + 21))   // not read: the status shows the last reading
        g.runCycle(now: Now(monotonic: t0.monotonic + 30, wall: t0.wall + 30))
        XCTAssertEqual(g.view.checks.first { $0.check == "bandwidth" }?.state, .critical)
        XCTAssertTrue(g.view.summary.contains("month 1.1 MB of 1 MB"), g.view.summary)
        return (events, marker, root)
    }

    func testWarnAndActOncePerMonth() throws {
        let (events, marker, root) = run(dryRun: false)
        let warns = events.filter { $0.kind == .bandwidthWarning }
        let acts = events.filter { $0.kind == .bandwidthAction }
        XCTAssertEqual(warns.count, 1)
        XCTAssertEqual(acts.count, 1)
        XCTAssertTrue(FileIO.exists(marker), "the command ran")
        XCTAssertEqual(warns[0].field("VALUE"), "850000")
        XCTAssertEqual(warns[0].field("THRESHOLD"), "800000")
        XCTAssertTrue(warns[0].message.hasPrefix("this month's traffic is 850 kB of 1 MB (85%), past warn_at 80%"), warns[0].message)
        XCTAssertEqual(acts[0].field("ACTION"), "command")
        XCTAssertEqual(acts[0].field("OUTCOME"), "/bin/touch exited with status 0")
        XCTAssertNotNil(acts[0].field("PROJECTION"))
        // Remembered on disk: a restarted daemon does not act again this month.
        let ledger = try BandwidthLedger.parse(FileIO.readText(root + "/state/bandwidth") ?? "")
        XCTAssertNotNil(ledger.actedMonth)
        XCTAssertEqual(ledger.actedMonth, ledger.warnedMonth)
    }

    /// restart-node restarts each node as any restart does: its history saved
    /// at once (a kill -9 must not lose it), its grace begun.
    /// A host whose quota's action is restart-node, for the nodes `command` names how to restart.
    func restartNodeConfig(_ root: String, _ names: [String], command: (String) -> [String]) -> Config {
        var c = Config()
        c.stateDirectory = root + "/state"
        c.statusFile = root + "/status.json"
        c.disk.paths = ["/"]
        c.bandwidth.quota = 1_000_000
        c.bandwidth.action = .restartNode
        c.nodes = names.map { name in
            var n = NodeConfig(name: name)
            n.unit = name + ".service"
            n.restartCommand = command(name)
            return n
        }
        return c
    }

    func testRestartNodeRestartsEachNodeThroughItsActuatorAndSavesItsHistory() throws {
        let root = makeRoot()
        let c = restartNodeConfig(root, ["dmo", "web"]) { ["/bin/touch", root + "/restarted-" + $0] }
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), emit: { events.append($0) })
        let t0 = Now.read()
        g.runCycle(now: t0)
        setCounters(root, rx: 700_000, tx: 400_000)   // 110%: past action_at
        g.runCycle(now: Now(monotonic: t0.monotonic + 10, wall: t0.wall + 10))
        for name in ["dmo", "web"] {
            XCTAssertTrue(FileIO.exists(root + "/restarted-" + name), name)
            var saved = RestartPolicy(grace: 0, maxRestarts: 1, window: 3600)
            saved.restore(try XCTUnwrap(FileIO.readText(root + "/state/nodes/" + name), "\(name)'s history saved"))
            XCTAssertEqual(saved.history, [t0.wall + 10], name)
            XCTAssertTrue(g.node(named: name)?.actuator.policy.inGrace(now: t0.wall + 11) == true, name)
        }
        let act = try XCTUnwrap(events.first { $0.kind == .bandwidthAction })
        XCTAssertEqual(act.field("ACTION"), "restart-node")
        XCTAssertEqual(act.field("OUTCOME"), "dmo: /bin/touch exited with status 0; web: /bin/touch exited with status 0")
        XCTAssertEqual(g.view.actions.map(\.action), ["restart", "restart", "restart-node"])
    }

    /// restart-node on a producing member hands production over first, as
    /// any restart does: held while the group asks, then carried out and said.
    func testRestartNodeWaitsForAProducerHandover() throws {
        let root = makeRoot()
        var c = restartNodeConfig(root, ["bpa"]) { ["/bin/touch", root + "/restarted-" + $0] }
        c.bandwidth.actionNodes = ["bpa"]
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), registry: CheckRegistry.standard.adding(HandingOver.declaration), emit: { events.append($0) })
        let group = try XCTUnwrap(g.checks.compactMap { $0 as? HandingOver }.first)
        let t0 = Now.read()
        g.runCycle(now: t0)
        setCounters(root, rx: 700_000, tx: 400_000)
        g.runCycle(now: Now(monotonic: t0.monotonic + 10, wall: t0.wall + 10))
        XCTAssertFalse(FileIO.exists(root + "/restarted-bpa"), "not restarted while production is handed over")
        let act = try XCTUnwrap(events.first { $0.kind == .bandwidthAction })
        XCTAssertEqual(act.field("OUTCOME"), "bpa: restart held while production is handed to a standby (at most one round), then carried out")
        group.handedOver = true
        g.runCycle(now: Now(monotonic: t0.monotonic + 11, wall: t0.wall + 11))
        XCTAssertTrue(FileIO.exists(root + "/restarted-bpa"))
        XCTAssertEqual(group.asked, ["bpa", "bpa"], "asked at the action and again the next cycle")
        let restart = try XCTUnwrap(events.first { $0.kind == .restart })
        XCTAssertEqual(restart.field("NODE"), "bpa")
        XCTAssertEqual(restart.field("CHECK"), "bandwidth")
        XCTAssertTrue(restart.message.contains("bandwidth; production of ourbp was handed to bpb first"), restart.message)
        XCTAssertEqual(events.filter { $0.kind == .bandwidthAction }.count, 1, "the action is said once")
    }

    /// A slow restart for the quota holds no cycle either: said running, its end said later.
    func testAQuotaRestartThatTakesItsTimeHoldsNoCycle() throws {
        let root = makeRoot()
        let c = restartNodeConfig(root, ["dmo"]) { ["/bin/sh", "-c", "sleep 2; touch \(root)/restarted-\($0)"] }
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), emit: { events.append($0) })
        let t0 = Now.read()
        g.runCycle(now: t0)
        setCounters(root, rx: 700_000, tx: 400_000)
        let started = Now.read().monotonic
        g.runCycle(now: Now(monotonic: t0.monotonic + 10, wall: t0.wall + 10))
        XCTAssertLessThan(Now.read().monotonic - started, 1.5, "the cycle did not wait for the 2 s restart")
        let act = try XCTUnwrap(events.first { $0.kind == .bandwidthAction })
        XCTAssertEqual(act.field("OUTCOME"), "dmo: restart running (up to restart_timeout 1m 30s)")
        Now.sleep(2.5)
        g.runCycle(now: Now(monotonic: t0.monotonic + 20, wall: t0.wall + 20))
        XCTAssertTrue(FileIO.exists(root + "/restarted-dmo"))
        XCTAssertEqual(events.filter { $0.kind == .restartDone }.map { $0.field("NODE") }, ["dmo"])
    }

    func testDryRunDecidesTheActionButRunsNothing() {
        let (events, marker, _) = run(dryRun: true)
        let act = events.first { $0.kind == .bandwidthAction }
        XCTAssertEqual(act?.field("ACTION"), "would-command")
        XCTAssertTrue(act?.message.hasPrefix("would run /bin/touch") == true)
        XCTAssertFalse(FileIO.exists(marker))
    }
}

/// A producer group as the guard sees it: holds a restart until told the
/// handover is done.
final class HandingOver: Check, HandsOver {
    static let declaration = CheckDeclaration("handing_over", readings: []) { _ in [HandingOver()] }
    var kind: String { "handing_over" }
    var target: String { "ourbp" }
    var handedOver = false
    var asked: [String] = []
    func update(_ config: Config) {}
    func run(_ cycle: inout Cycle) {}
    func beforeRestart(of node: String, _ cycle: inout Cycle) -> Handover {
        asked.append(node)
        return handedOver ? .proceed("production of ourbp was handed to bpb first") : .wait
    }
}
