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
