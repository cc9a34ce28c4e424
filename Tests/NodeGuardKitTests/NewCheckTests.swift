// "A check is one file and one line": a check only this test knows,
// declared in its own file's way and registered with one line, shows in
// every place users look, and keeps its state across a restart of nodeguard,
// with nothing else in nodeguard edited.
import XCTest
@testable import NodeGuardKit

/// Counts the cycles it ran; keeps the count in state_directory/ticks.
final class TicksCheck: Keeping {
    static let declaration = CheckDeclaration("ticks", readings: [ticks], reasons: { _, _ in ["ticks"] }) {
        [TicksCheck($0.config.stateDirectory)]
    }
    static let ticks = ReadingKind("ticks", "cycles counted by a check only the tests know",
        gauges: [counted],
        words: { _, v in "\(v) ticks" },
        summary: .init { r in "ticked \(ReadingText.quantity(r.value))" },
        samples: { r, out in out.add(counted, r.value.number ?? 0, ("clock", r.target)) },
        object: ("ticks", { r in [.init("count", r.value.number ?? 0), .init("even", Int(r.value.number ?? 0) % 2 == 0)] }))
    static let counted = Gauge("nodeguard_test_ticks", help: "Cycles the test's check counted.", labels: ["clock"])

    let directory: String
    var count = 0
    var kind: String { Self.declaration.kind }
    var target: String { "test-clock" }

    init(_ directory: String) { self.directory = directory }
    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        count += 1
        cycle.readings.append(Reading(Self.ticks, target: target, value: .count(count), warn: Threshold(.above, .count(100))))
    }

    func restore(readOnly: Bool, now: Now) -> Event? {
        count = Int(FileIO.readText(directory + "/ticks") ?? "") ?? 0
        return nil
    }

    func save(now: Now) -> Event? {
        FileIO.makeDirectories(directory, mode: 0o755)
        FileIO.writeAtomically(directory + "/ticks", String(count), durable: true, mode: 0o644)
        return nil
    }
}

final class NewCheckTests: XCTestCase {
    func testACheckDeclaredOutsideNodeguardShowsEverywhereWithOneLine() throws {
        let root = tempDir()
        let prom = root + "/nodeguard.prom"
        let text = """
            state_directory = "\(root)/state"
            [node.miner]
            pidfile = "/run/miner.pid"
            restart_command = ["/bin/true"]
            [metrics]
            textfile = "\(prom)"
            """
        let registry = CheckRegistry.standard.adding(TicksCheck.declaration)   // the one line

        let g = Guard(config: config(text), root: HostRoot(root), registry: registry, emit: { _ in })
        g.sinks.append(MetricsSink(config: g.config, registry: registry, emit: { _ in }))
        g.restoreState()
        var view = StatusView()
        for t in 0..<3 { view = g.runCycle(now: Now(monotonic: Double(t), wall: 1_700_000_000 + Double(t))) }

        // The status view: its line, in its words, and the STATUS= line.
        let line = try XCTUnwrap(view.text(now: 1_700_000_003, isDaemon: false).split(separator: "\n").first { $0.hasPrefix("ticks ") })
        XCTAssertEqual(line.split(separator: " ", omittingEmptySubsequences: true).map(String.init), ["ticks", "test-clock", "3", "ticks", ">", "100", "ok"])
        XCTAssertTrue(view.summary.hasSuffix(", ticked 3"), view.summary)

        // --json: its words, its numbers and its figures' object.
        let json = view.json()
        let entry = try XCTUnwrap(json["checks"]?.array?.first { $0["check"]?.string == "ticks" })
        XCTAssertEqual(entry["value"]?.string, "3 ticks")
        XCTAssertEqual(entry["number"]?.number, 3)
        XCTAssertEqual(entry["unit"]?.string, "count")
        XCTAssertEqual(entry["warn_at"]?.array?.first?["number"]?.number, 100)
        XCTAssertEqual(entry["ticks"]?["count"]?.number, 3)
        XCTAssertEqual(entry["ticks"]?["even"]?.bool, false)
        XCTAssertEqual(StatusView(json: json)?.checks.first { $0.check == "ticks" }?.figures?["count"], .number(3), "read back from the status file")

        // The metrics: its family with HELP and TYPE, its state, its restart reason from 0.
        let metrics = try XCTUnwrap(FileIO.readText(prom))
        for expected in ["# HELP nodeguard_test_ticks Cycles the test's check counted.", "# TYPE nodeguard_test_ticks gauge",
                         "nodeguard_test_ticks{clock=\"test-clock\"} 3",
                         "nodeguard_check_state{check=\"ticks\",target=\"test-clock\"} 0",
                         "nodeguard_node_restarts_total{node=\"miner\",reason=\"ticks\"} 0"] {
            XCTAssertTrue(metrics.split(separator: "\n").contains { $0 == expected }, "missing \(expected) in\n\(metrics)")
        }

        // The list of names the man page gives.
        XCTAssertTrue(registry.checkNames.contains { $0.name == "ticks" && $0.what == "cycles counted by a check only the tests know" })
        XCTAssertFalse(CheckRegistry.standard.checkNames.contains { $0.name == "ticks" })

        // Its state across a restart of nodeguard: saved at stop, restored at start.
        g.saveState()
        let again = Guard(config: config(text), root: HostRoot(root), registry: registry, emit: { _ in })
        again.restoreState()
        let next = again.runCycle(now: Now(monotonic: 10, wall: 1_700_000_010))
        XCTAssertEqual(next.checks.first { $0.check == "ticks" }?.value, "4 ticks", "the count went on from the saved 3")
    }
}
