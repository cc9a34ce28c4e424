// Each change of state the operator must hear of, said once: a crossing
// while the restart limit holds, Docker gone and back, the node down and back.
import XCTest
@testable import NodeGuardKit

final class OperatorEventsTests: XCTestCase, HostTree {
    func testACrossingWhileTheLimitHoldsIsSaidWithTheRearmTime() throws {
        let root = makeRoot(["dmo": 1100 * MiB, "web": 100 * MiB])
        let (g, events) = guardFor(root, twoNodes)
        cycles(g, stride(from: 0, through: 300, by: 10))
        XCTAssertEqual(events().filter { $0.kind == .restart }.count, 2)
        XCTAssertEqual(events().filter { $0.kind == .restartLimit }.count, 1)
        XCTAssertEqual(events().filter { $0.kind == .restartWithheld }.count, 0, "the CRIT says it; nothing more while it stays above")
        // Back under, then above again for `for`: said, once a crossing.
        for crossing in 1...2 {
            let t0 = 300.0 + Double(crossing) * 200
            setAnon(root, "dmo", 500 * MiB)
            cycles(g, stride(from: t0, through: t0 + 50, by: 10))
            setAnon(root, "dmo", 1100 * MiB)
            cycles(g, stride(from: t0 + 60, through: t0 + 150, by: 10))
            let withheld = events().filter { $0.kind == .restartWithheld }
            XCTAssertEqual(withheld.count, crossing)
            let w = try XCTUnwrap(withheld.last)
            XCTAssertEqual(w.priority, .warning)
            XCTAssertEqual(w.field("NODE"), "dmo")
            XCTAssertEqual(w.field("CHECK"), "node_memory")
            XCTAssertTrue(w.message.hasPrefix("would restart dmo: node dmo memory 1.1 GiB above restart_above 1 GiB for 20s; but it was restarted 2 times within 1h (max_restarts = 2). Restarting re-arms at "), w.message)
            XCTAssertTrue(w.message.hasSuffix(["(in 50m 40s)", "(in 47m 20s)"][crossing - 1]), w.message)
        }
        XCTAssertEqual(events().filter { $0.kind == .restart }.count, 2, "nothing restarted while the limit holds")
        // The window passes: re-armed, said, and restarted again.
        cycles(g, stride(from: 3700, through: 3760, by: 10))
        XCTAssertEqual(events().filter { $0.kind == .restartRearmed }.count, 1)
        XCTAssertEqual(events().filter { $0.kind == .restart }.count, 3)
    }

    /// A container node read through a fake Docker: each cycle's sample is what `state` says.
    func containerGuard(_ names: [String]) -> (Guard, () -> [Event], (String, NodeSample) -> Void) {
        let root = makeRoot([:])
        let toml = names.map { "[node.\($0)]\ncontainer = \"\($0)\"\n" }.joined()
        let (g, events) = guardFor(root, toml)
        var samples: [String: NodeSample] = [:]
        for n in g.nodes { let name = n.name; n.read = { _, _ in samples[name]! } }
        return (g, events, { samples[$0] = $1 })
    }

    let running = NodeSample(memory: .success(NodeMemory(anonBytes: 100 * MiB, source: "test")))
    let exited = NodeSample(memory: .failure(ProbeError("container dmo (abc) is not running; docker ps -a shows why", notRunning: true)))
    let noDocker = NodeSample(memory: .failure(ProbeError("Docker is not answering on /var/run/docker.sock: connection refused",
                                                           dockerUnreachable: "/var/run/docker.sock")))

    func testDockerGoneAndBackAreSaidOnceForAllItsNodes() throws {
        let (g, events, set) = containerGuard(["dmo", "bridge"])
        for n in ["dmo", "bridge"] { set(n, running) }
        cycles(g, stride(from: 0, through: 20, by: 10))
        XCTAssertEqual(events().map(\.kind), [])
        for n in ["dmo", "bridge"] { set(n, noDocker) }
        cycles(g, stride(from: 30, through: 90, by: 10))
        let gone = events().filter { $0.kind == .dockerUnreachable }
        XCTAssertEqual(gone.count, 1, "once for both nodes")
        XCTAssertEqual(gone.first?.priority, .err)
        XCTAssertEqual(gone.first?.field("TARGET"), "/var/run/docker.sock")
        XCTAssertTrue(gone.first?.message.contains("nodes dmo, bridge cannot be read or restarted until Docker is back") == true, gone.first?.message ?? "")
        XCTAssertEqual(events().filter { $0.kind == .probeFailed }.count, 0, "not said again by each node's memory")
        XCTAssertEqual(g.view.checks.first { $0.check == "docker" }?.state, .error)
        XCTAssertEqual(g.view.checks.first { $0.check == "node_memory" && $0.node == "dmo" }?.state, .error)
        let unknown = try XCTUnwrap(g.view.checks.first { $0.check == "node_running" && $0.node == "dmo" }, "not left out while Docker is down")
        XCTAssertEqual(unknown.value, "unknown")
        XCTAssertEqual(unknown.state, .error)
        XCTAssertTrue(unknown.note.contains("Docker is not answering"), unknown.note)
        // Docker back: dmo did not come back with it, bridge did.
        set("dmo", exited); set("bridge", running)
        cycles(g, stride(from: 100, through: 150, by: 10))
        let back = try XCTUnwrap(events().first { $0.kind == .dockerBack })
        XCTAssertEqual(back.message, "Docker answers again on /var/run/docker.sock after 1m 10s")
        XCTAssertEqual(events().filter { $0.kind == .dockerBack }.count, 1)
        XCTAssertEqual(events().filter { $0.kind == .nodeDown }.map { $0.field("NODE") }, ["dmo"])
        let docker = try XCTUnwrap(g.view.checks.first { $0.check == "docker" }, "the docker line the README lists is there while Docker answers too")
        XCTAssertEqual(docker.value, "answering")
        XCTAssertEqual(docker.state, .ok)
        set("dmo", running)
        cycles(g, stride(from: 160, through: 200, by: 10))
        XCTAssertEqual(events().filter { $0.kind == .nodeUp }.map { $0.field("NODE") }, ["dmo"])
        XCTAssertEqual(events().map(\.kind), [.dockerUnreachable, .dockerBack, .nodeDown, .nodeUp], "each said once")
    }

    func testDockerUnreachableAtStartIsSaid() {
        let (g, events, set) = containerGuard(["dmo"])
        set("dmo", noDocker)
        cycles(g, stride(from: 0, through: 30, by: 10))
        XCTAssertEqual(events().map(\.kind), [.dockerUnreachable])
        set("dmo", exited)
        cycles(g, stride(from: 40, through: 60, by: 10))
        XCTAssertEqual(events().map(\.kind), [.dockerUnreachable, .dockerBack, .nodeDown])
    }
}

/// A check that asks every cycle its problem lasts (liveness) is told once;
/// a new problem, or a re-arm, is told again.
final class RestartWithheldTests: XCTestCase {
    func testAskingAgainForTheSameProblemIsSaidOnce() {
        let c = nodeConfig { $0.nodes[0].maxRestarts = 1; $0.nodes[0].grace = 0 }
        let watch = NodeWatch(c.nodes[0], limits: c.limits(of: c.nodes[0]), root: HostRoot(tempDir()))
        watch.restartAttempted(now: Now(monotonic: 0, wall: 1000))
        var said: [EventKind] = []
        func ask(_ check: String, repeated: Bool, at t: Double) {
            var cycle = Cycle(now: Now(monotonic: t, wall: 1000 + t), mode: .act, serial: Int(t), whileWaiting: {})
            watch.ask(RestartRequest(node: watch.name, check: check, value: "", threshold: "", reason: "stalled"), &cycle, repeated: repeated)
            said += cycle.events.map(\.kind)
            XCTAssertEqual(cycle.requests, [], "nothing restarted while the limit holds")
        }
        ask("chain", repeated: false, at: 10)
        for t in 11...20 { ask("chain", repeated: true, at: Double(t)) }
        XCTAssertEqual(said, [.restartLimit], "the CRIT, then nothing while the same problem lasts")
        ask("chain", repeated: false, at: 30)
        ask("node_memory", repeated: false, at: 31)
        ask("node_memory", repeated: true, at: 32)
        XCTAssertEqual(said, [.restartLimit, .restartWithheld, .restartWithheld], "a new problem, and another check, are said")
        watch.rearmed()
        ask("chain", repeated: true, at: 33)
        XCTAssertEqual(said.last, .restartWithheld, "a re-arm starts the count afresh")
    }
}
