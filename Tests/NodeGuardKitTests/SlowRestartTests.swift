// A restart that takes its time never holds the loop: other nodes and the
// host are judged and acted on meanwhile, and the slow one is said when it ends.
import XCTest
@testable import NodeGuardKit

final class SlowRestartTests: XCTestCase, HostTree {
    func testASlowRestartHoldsNoOtherCheck() throws {
        let root = makeRoot(["dmo": 1100 * MiB, "web": 100 * MiB])
        let (g, events) = guardFor(root, twoNodes)
        // dmo's restart takes 2 s of real time.
        var c = g.config
        c.nodes[0].restartCommand = ["/bin/sh", "-c", "sleep 2; touch \(root)/restarted-dmo"]
        _ = g.apply(c)
        cycles(g, stride(from: 0, through: 20, by: 10))
        let started = try XCTUnwrap(events().first { $0.kind == .restart && $0.field("NODE") == "dmo" })
        XCTAssertEqual(started.field("OUTCOME"), "running")
        XCTAssertTrue(started.message.contains("running (up to restart_timeout"), started.message)
        XCTAssertTrue(g.restarting("dmo"))
        // While it runs, web crosses its threshold: restarted at its time.
        setAnon(root, "web", 300 * MiB)
        cycles(g, stride(from: 30, through: 50, by: 10))
        XCTAssertTrue(FileIO.exists(root + "/restarted-web"), "web restarted while dmo's restart runs")
        XCTAssertFalse(FileIO.exists(root + "/restarted-dmo"))
        XCTAssertTrue(g.restarting("dmo"))
        XCTAssertEqual(events().filter { $0.kind == .restart }.map { $0.field("NODE") }, ["dmo", "web"])
        // dmo's restart ends: said with its outcome, once, and kept in the recent actions.
        Now.sleep(2.5)
        cycles(g, stride(from: 60, through: 60, by: 10))
        XCTAssertFalse(g.restarting("dmo"))
        let done = events().filter { $0.kind == .restartDone }
        XCTAssertEqual(done.map { $0.field("NODE") }, ["dmo"])
        XCTAssertEqual(done.first?.field("OUTCOME"), "/bin/sh exited with status 0")
        XCTAssertEqual(Set(g.view.actions.filter { $0.action == "restart" }.map(\.target)), ["dmo", "web"])
        XCTAssertEqual(g.node(named: "dmo")?.actuator.policy.history, [10_020], "counted when it was decided")
    }
}
