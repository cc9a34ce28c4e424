import XCTest
@testable import NodeGuardKit

/// Routine upkeep is folded and capped; restarts stay in the list.
final class RecentActionsTests: XCTestCase {
    func restart(_ t: Double, _ node: String = "dmo") -> ActionRecord { ActionRecord(wall: t, action: "restart", target: node, outcome: "job queued") }
    func prune(_ t: Double, _ log: String = "a-json.log") -> ActionRecord { ActionRecord(wall: t, action: "truncate log", target: log, outcome: "4 MiB freed") }

    func run(_ adds: [ActionRecord]) -> [ActionRecord] { adds.reduce([]) { RecentActions.adding($1, to: $0) } }

    func testAContainerPrunedEveryMinuteCannotPushARestartOut() {
        let list = run([restart(10), restart(20)] + (0..<200).map { prune(100 + Double($0) * 60) })
        XCTAssertEqual(list.map(\.action), ["restart", "restart", "truncate log"])
        XCTAssertEqual(list[2].count, 200)
        XCTAssertEqual(list[2].since, 100, "since the first of them")
        XCTAssertEqual(list[2].wall, 100 + 199 * 60, "shown at the last one")
    }

    func testTheTable() {
        let rows: [(String, [ActionRecord], [String])] = [
            ("a fold moves to the end", [prune(1), restart(2), prune(3)], ["restart dmo", "truncate log a-json.log"]),
            ("each log its own entry", [prune(1, "a"), prune(2, "b"), prune(3, "a")], ["truncate log b", "truncate log a"]),
            ("the journal folds too", [ActionRecord(wall: 1, action: "vacuum journal", target: "journald", outcome: ""),
                                       ActionRecord(wall: 2, action: "vacuum journal", target: "journald", outcome: "")], ["vacuum journal journald"]),
            ("at most 5 routine entries", (1...8).map { prune(Double($0), "l\($0)") }, (4...8).map { "truncate log l\($0)" }),
            ("at most 20 others, the newest", (1...25).map { restart(Double($0), "n\($0)") }, (6...25).map { "restart n\($0)" }),
            ("restarts are never folded", [restart(1), restart(2)], ["restart dmo", "restart dmo"]),
        ]
        for (why, adds, want) in rows {
            XCTAssertEqual(run(adds).map { "\($0.action) \($0.target)" }, want, why)
        }
    }

    func testAFoldedEntryIsSaidWithItsCount() {
        let a = ActionRecord(wall: 3600, action: "truncate log", target: "x", outcome: "4 MiB freed", count: 14, since: 0)
        XCTAssertTrue(a.line.hasSuffix("truncate log x: 4 MiB freed (14 times since \(TimeFormat.local(0)))"), a.line)
        var v = StatusView()
        v.actions = [a]
        XCTAssertEqual(StatusView(json: v.json())?.actions, [a], "count and since survive the status file")
    }

    func testFoldedEntriesSurviveARestartOfTheDaemon() {
        let dir = tempDir()
        var config = Config()
        config.stateDirectory = dir
        config.statusFile = dir + "/status.json"
        config.bandwidth.enabled = false
        let g = Guard(config: config, emit: { _ in })
        g.record(restart(1))
        for t in 2..<5 { g.record(prune(Double(t))) }
        XCTAssertEqual(g.saveActions(), 0)
        let g2 = Guard(config: config, emit: { _ in })
        g2.restoreState()
        XCTAssertEqual(g2.view.actions, g.actions)
        XCTAssertEqual(g2.view.actions.last?.count, 3)
    }
}
