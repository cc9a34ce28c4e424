// The metrics textfile through whole cycles: counters that continue across
// a restart of nodeguard, series written from 0, a file replaced whole, and
// a directory it cannot write said once.
import XCTest
@testable import NodeGuardKit

final class MetricsSinkTests: XCTestCase, HostTree {
    func lines(_ path: String, _ prefix: String) -> [String] {
        (FileIO.readText(path) ?? "").split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    func testRestartsAreCountedByReasonAndContinueAfterARestartOfNodeguard() {
        let root = makeRoot(["dmo": 1100 * MiB, "web": 120 * MiB])
        let prom = root + "/textfile/nodeguard.prom"
        FileIO.makeDirectories(root + "/textfile")
        let (g, _) = guardFor(root, twoNodes + "\n[metrics]\ntextfile = \"\(prom)\"\n")
        g.sinks.append(MetricsSink(config: g.config, emit: { _ in }))
        cycles(g, stride(from: 0, through: 300, by: 10))   // dmo: restarted twice, then its limit
        XCTAssertEqual(lines(prom, "nodeguard_node_restarts_total"), [
            "nodeguard_node_restarts_total{node=\"dmo\",reason=\"host_memory\"} 0",
            "nodeguard_node_restarts_total{node=\"dmo\",reason=\"node_memory\"} 2",
            "nodeguard_node_restarts_total{node=\"web\",reason=\"host_memory\"} 0",
            "nodeguard_node_restarts_total{node=\"web\",reason=\"node_memory\"} 0",
        ])
        XCTAssertFalse(FileIO.exists(prom + ".tmp"), "written whole and renamed")
        XCTAssertEqual(FileIO.readText(root + "/state/counters"),
                       Counters.header + "restart dmo node_memory 2\n")

        // A new nodeguard on the same state directory: the counts go on.
        let (g2, _) = guardFor(root, twoNodes + "\n[metrics]\ntextfile = \"\(prom)\"\n")
        g2.restoreState()
        g2.sinks.append(MetricsSink(config: g2.config, emit: { _ in }))
        setAnon(root, "dmo", 300 * MiB)
        setAvailable(root, 50 * MiB)   // under the floor: web, the only node left with a budget
        cycles(g2, stride(from: 1000, through: 1040, by: 10))
        XCTAssertEqual(lines(prom, "nodeguard_node_restarts_total"), [
            "nodeguard_node_restarts_total{node=\"dmo\",reason=\"host_memory\"} 0",
            "nodeguard_node_restarts_total{node=\"dmo\",reason=\"node_memory\"} 2",
            "nodeguard_node_restarts_total{node=\"web\",reason=\"host_memory\"} 1",
            "nodeguard_node_restarts_total{node=\"web\",reason=\"node_memory\"} 0",
        ])
    }

    func testCountersFile() {
        var c = Counters()
        XCTAssertFalse(c.add([]))
        XCTAssertTrue(c.add([.restart(node: "dmo", reason: "chain_stalled"), .restart(node: "dmo", reason: "chain_stalled"),
                             .freed(JournalCheck.freed, bytes: 5), .freed(DockerLogsCheck.freed, bytes: 7), .freed(JournalCheck.freed, bytes: 1)]))
        XCTAssertEqual(c.serialized, Counters.header + "restart dmo chain_stalled 2\nfreed docker_logs 7\nfreed journal 6\n")
        XCTAssertEqual(Counters(parsing: c.serialized), c)
        let rows: [(String, String)] = [
            ("", ""),
            ("restart dmo node_memory x\n", ""),
            ("restart dmo node_memory\n", ""),
            ("freed nothing 5\nfreed journal -1\n", ""),
            ("garbage\nrestart web node_running 4\n\u{0}\u{1}", "restart web node_running 4\n"),
        ]
        for (text, kept) in rows { XCTAssertEqual(Counters(parsing: text).serialized, Counters.header + kept, text) }
    }

    func testEveryReasonTheConfigAllowsIsWrittenFromZero() {
        let c = config("""
            [memory]
            host_floor_restarts = ["chain"]
            [bandwidth]
            quota = "2TB"
            action = "restart-node"
            action_nodes = ["web"]
            [node.chain]
            unit = "ltc"
            start_when_down = true
            rpc = "bitcoind"
            behind_by = 6
            reference = "headers"
            [node.web]
            container = "web"
            restart_unhealthy_after = "5m"
            """)
        // In the checks' order, as each declares its reasons.
        XCTAssertEqual(CheckRegistry.standard.reasons(of: c.nodes[0], in: c), ["host_memory", "node_running", "node_memory", "chain_down", "chain_stalled", "chain_behind"])
        XCTAssertEqual(CheckRegistry.standard.reasons(of: c.nodes[1], in: c), ["node_memory", "container_health", "bandwidth"])
        var counted = Counters()
        _ = counted.add([.restart(node: "web", reason: "node_running"), .restart(node: "gone", reason: "node_memory")])
        let text = Exposition.render(counted.families(c))
        XCTAssertTrue(text.contains("nodeguard_node_restarts_total{node=\"web\",reason=\"node_running\"} 1\n"), "a reason no longer configured still shows")
        XCTAssertFalse(text.contains("gone"), "a node no longer configured does not")
        XCTAssertTrue(text.contains("# TYPE nodeguard_node_restarts_total counter\n"))
        XCTAssertTrue(text.contains("nodeguard_journal_freed_bytes_total 0\n") && text.contains("nodeguard_docker_logs_freed_bytes_total 0\n"))
    }

    func testADirectoryItCannotWriteIsSaidOnceAndItsEndOnce() {
        let dir = tempDir()
        var c = Config()
        c.stateDirectory = dir + "/state"
        c.metrics.textfile = dir + "/textfile/nodeguard.prom"
        var events: [Event] = []
        let sink = MetricsSink(config: c, emit: { events.append($0) })
        let report = CycleReport(now: Now(monotonic: 1, wall: 1000), events: [], readings: [], view: StatusView())
        sink.publish(report); sink.publish(report)
        XCTAssertEqual(events.map(\.kind), [.probeFailed])
        XCTAssertTrue(events[0].message.contains("cannot write the metrics textfile \(dir)/textfile/nodeguard.prom: No such file or directory; Prometheus sees no current figures of this host. Its directory \(dir)/textfile does not exist: install prometheus-node-exporter"), events[0].message)
        FileIO.makeDirectories(dir + "/textfile")
        sink.publish(report); sink.publish(report)
        XCTAssertEqual(events.map(\.kind), [.probeFailed, .recovered])
        XCTAssertEqual(lines(c.metrics.textfile, "nodeguard_last_cycle_timestamp_seconds"), ["nodeguard_last_cycle_timestamp_seconds 1000"])
        // Moved by a reload: the old file goes, so nothing stale is scraped.
        var moved = c
        moved.metrics.textfile = dir + "/textfile/other.prom"
        sink.update(moved)
        sink.publish(report)
        XCTAssertFalse(FileIO.exists(c.metrics.textfile))
        XCTAssertTrue(FileIO.exists(moved.metrics.textfile))
        XCTAssertEqual(events.count, 2)
    }
}
