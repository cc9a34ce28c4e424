import XCTest
@testable import NodeGuardKit

/// The text exposition format node_exporter's textfile collector reads.
final class ExpositionTests: XCTestCase {
    func testLabelValuesAndHelpAreEscaped() {
        let cases: [(String, String)] = [
            ("dmo", "dmo"),
            ("a\\b", "a\\\\b"),
            ("say \"hi\"", "say \\\"hi\\\""),
            ("two\nlines", "two\\nlines"),
            ("/var/lib/docker ✓", "/var/lib/docker ✓"),
        ]
        for (raw, escaped) in cases { XCTAssertEqual(Exposition.escapeLabel(raw), escaped, raw) }
        XCTAssertEqual(Exposition.escapeHelp("a \"quote\" \\ and\nnewline"), "a \"quote\" \\\\ and\\nnewline")
    }

    func testNumbers() {
        let cases: [(Double, String)] = [
            (0, "0"), (812 * 1_048_576, "851443712"), (-3, "-3"), (0.25, "0.25"),
            (1_700_000_000.5, "1700000000.5"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
            (18_446_744_073_709_551_616, "1.8446744073709552e+19"),
        ]
        for (v, text) in cases { XCTAssertEqual(Exposition.format(v), text, "\(v)") }
    }

    func testNames() {
        for good in ["nodeguard_node_memory_bytes", "a:b", "_x"] { XCTAssertTrue(Exposition.isValidName(good), good) }
        for bad in ["", "1a", "a-b", "a b", "é"] { XCTAssertFalse(Exposition.isValidName(bad), bad) }
    }

    func testEachFamilyOnceWithHelpAndTypeAndNoSeriesTwice() {
        var memory = MetricFamily("nodeguard_node_memory_bytes", .gauge, help: "The node's resident anonymous memory.")
        memory.add(100, ("node", "dmo"))
        memory.add(200, ("node", "web"))
        memory.add(150, ("node", "dmo"))   // the same series again: replaces
        var restarts = MetricFamily("nodeguard_node_restarts_total", .counter, help: "Restarts by nodeguard, by reason.")
        restarts.add(2, ("node", "dmo"), ("reason", "memory"))
        restarts.add(1, ("reason", "memory"), ("node", "web"))
        restarts.add(3, ("reason", "memory"), ("node", "dmo"))   // label order does not make a new series
        var more = MetricFamily("nodeguard_node_memory_bytes", .gauge, help: "The node's resident anonymous memory.")
        more.add(300, ("node", "eos"))
        let empty = MetricFamily("nodeguard_unused", .gauge, help: "No series.")
        let text = Exposition.render([memory, restarts, more, empty])
        XCTAssertEqual(text, """
            # HELP nodeguard_node_memory_bytes The node's resident anonymous memory.
            # TYPE nodeguard_node_memory_bytes gauge
            nodeguard_node_memory_bytes{node="dmo"} 150
            nodeguard_node_memory_bytes{node="web"} 200
            nodeguard_node_memory_bytes{node="eos"} 300
            # HELP nodeguard_node_restarts_total Restarts by nodeguard, by reason.
            # TYPE nodeguard_node_restarts_total counter
            nodeguard_node_restarts_total{reason="memory",node="dmo"} 3
            nodeguard_node_restarts_total{reason="memory",node="web"} 1

            """)
        XCTAssertEqual(Exposition.render([]), "")
        var bare = MetricFamily("nodeguard_last_cycle_timestamp_seconds", .gauge, help: "When the last cycle ended.")
        bare.add(1_700_000_000.25)
        XCTAssertEqual(Exposition.render([bare]).split(separator: "\n").last, "nodeguard_last_cycle_timestamp_seconds 1700000000.25")
    }
}

/// The readings of a cycle as metric families, in base units.
final class MetricFamiliesTests: XCTestCase {
    func testReadingsBecomeGaugesInBaseUnits() throws {
        let readings = [
            Reading(NodeMemoryCheck.memory, target: "dmo.service", node: "dmo", value: .bytes(812 * 1_048_576),
                    warn: Threshold(.above, .bytes(900 * 1_048_576)), critical: Threshold(.above, .bytes(1_073_741_824), sustained: 180), state: .ok),
            Reading(NodeRunningCheck.running, target: "dmo.service", node: "dmo", value: .word("running")),
            Reading(NodeRunningCheck.running, target: "web", node: "web", value: .word("not running"), state: .error),
            Reading(RestartBudgetCheck.budget, target: "dmo.service", node: "dmo", value: .count(1), figures: [Figure("max", .count(3))]),
            Reading(ChainLivenessCheck.chain, target: "http://127.0.0.1:9332/", node: "dmo", value: .count(812),
                    figures: [Figure("since advanced", .seconds(40)), Figure("peers", .count(8)), Figure("syncing", .word("yes"))]),
            Reading(HostMemoryCheck.available, target: "host", value: .bytes(640 * 1_048_576)),
            Reading(HostMemoryCheck.swap, target: "host", value: .word("none")),
            Reading(HostMemoryCheck.pressure, target: "host", value: .percent(1.5), figures: [Figure("full", .percent(0.25))]),
            Reading(DiskCheck.free, target: "/", value: .bytes(2_000_000_000), state: .critical, projection: .fullIn(seconds: 86_400)),
            Reading(DiskCheck.free, target: "/", value: .bytes(2_000_000_000), state: .critical),   // disk.paths = ["/", "/"]
            Reading(DiskCheck.inodes, target: "/", value: .share(0.97), figures: [Figure("free", .count(123_456))]),
            Reading(DockerLogsCheck.logs, target: "/var/lib/docker/containers", value: .bytes(16_384)),
        ]
        let text = String(decoding: MetricFamilies.gauges(readings, cycleEnded: 1_700_000_000.5, cycleCPUSeconds: 0.00045, version: "0.2.0"), as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            "nodeguard_node_memory_bytes{node=\"dmo\"} 851443712",
            "nodeguard_node_memory_warn_bytes{node=\"dmo\"} 943718400",
            "nodeguard_node_memory_restart_bytes{node=\"dmo\"} 1073741824",
            "nodeguard_node_up{node=\"dmo\"} 1", "nodeguard_node_up{node=\"web\"} 0",
            "nodeguard_node_restarts_left{node=\"dmo\"} 2",
            "nodeguard_node_height{node=\"dmo\"} 812", "nodeguard_node_height_age_seconds{node=\"dmo\"} 40",
            "nodeguard_node_peers{node=\"dmo\"} 8", "nodeguard_node_syncing{node=\"dmo\"} 1",
            "nodeguard_host_memory_available_bytes 671088640", "nodeguard_host_swap_used_bytes 0",
            "nodeguard_host_memory_pressure_some_ratio 0.015", "nodeguard_host_memory_pressure_full_ratio 0.0025",
            "nodeguard_disk_free_bytes{path=\"/\"} 2000000000", "nodeguard_disk_full_in_seconds{path=\"/\"} 86400",
            "nodeguard_disk_free_inodes{path=\"/\"} 123456", "nodeguard_docker_logs_bytes 16384",
            "nodeguard_check_state{check=\"disk_free\",target=\"/\"} 2", "nodeguard_check_state{check=\"node_running\",target=\"web\",node=\"web\"} 3",
            "nodeguard_last_cycle_timestamp_seconds 1700000000.5", "nodeguard_cycle_cpu_seconds 0.00045",
            "nodeguard_build_info{version=\"0.2.0\"} 1",
            "# TYPE nodeguard_node_memory_bytes gauge",
        ] { XCTAssertTrue(lines.contains(expected), "missing \(expected) in\n\(text)") }
        XCTAssertFalse(text.contains("nodeguard_node_lag_blocks"), "no reference, no lag")
        XCTAssertEqual(text.components(separatedBy: "# TYPE nodeguard_check_state ").count, 2, "one TYPE a family")
        XCTAssertEqual(text.components(separatedBy: "nodeguard_disk_free_bytes{path=\"/\"}").count, 2, "one disk twice: one series")
        XCTAssertEqual(text.components(separatedBy: "nodeguard_check_state{check=\"disk_free\"").count, 2, "one disk twice: one state")
    }
}
