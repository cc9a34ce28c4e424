// A check with a cadence of its own (the producer groups' producer_every)
// wakes the loop as often as it needs; the other checks keep `interval`,
// and between their runs show what they found last.
import XCTest
@testable import NodeGuardKit

/// Counts its runs, shown as its one reading.
class RunCounter: Check {
    let runs: ReadingKind
    let target: String
    var count = 0
    var kind: String { runs.name }
    init(_ runs: ReadingKind, target: String) { self.runs = runs; self.target = target }
    func update(_ config: Config) {}
    func run(_ cycle: inout Cycle) {
        count += 1
        cycle.readings.append(Reading(runs, target: target, value: .count(count)))
    }
}

/// Runs every second, whatever `interval` is.
final class EverySecondCheck: RunCounter, OwnCadence {
    static let declaration = CheckDeclaration("every_second", readings: [runs]) { _ in [EverySecondCheck(runs, target: "fast")] }
    static let runs = ReadingKind("every_second", "runs of a check only the tests know, every second")
    var every: Double { 1 }
}

/// Runs on the loop's `interval`.
final class IntervalCheck: RunCounter {
    static let declaration = CheckDeclaration("on_interval", readings: [runs]) { _ in [IntervalCheck(runs, target: "slow")] }
    static let runs = ReadingKind("on_interval", "runs of a check only the tests know, every interval")
}

final class CadenceTests: XCTestCase {
    func testTheLoopWakesForTheFastCheckAndTheOthersKeepTheirInterval() {
        let root = tempDir()
        let g = Guard(config: config("interval = \"10s\"\nstate_directory = \"\(root)/state\"\n[bandwidth]\nenabled = false"), root: HostRoot(root),
                      registry: CheckRegistry.standard.adding(EverySecondCheck.declaration).adding(IntervalCheck.declaration), emit: { _ in })
        XCTAssertEqual(g.wakeEvery, 1)
        let fast = g.checks.compactMap { $0 as? EverySecondCheck }.first!
        let slow = g.checks.compactMap { $0 as? IntervalCheck }.first!
        var shown: [Int] = [], counts: [Int] = []
        for second in 0...20 {
            // A cycle that wakes a little early is still the full one.
            let t = 1000 + Double(second) - (second == 10 ? 0.3 : 0)
            g.runCycle(now: Now(monotonic: t, wall: 1_800_000_000 + t))
            shown.append(g.readings.count)
            counts.append(g.readings.first { $0.check == "on_interval" }?.value.number.map(Int.init) ?? -1)
        }
        XCTAssertEqual(fast.count, 21, "the fast check ran every second")
        XCTAssertEqual(slow.count, 3, "the others at 0, 10 (woken 0.3 s early) and 20 s")
        XCTAssertEqual(counts, Array(repeating: 1, count: 10) + Array(repeating: 2, count: 10) + [3], "between their runs they show what they found last")
        XCTAssertEqual(Set(shown).count, 1, "every cycle shows every check's reading")
        XCTAssertEqual(Guard(config: config("interval = \"10s\""), root: HostRoot(root), emit: { _ in }).wakeEvery, 10, "without a fast check: interval")
    }

    func testAProducerGroupWakesTheLoopEveryProducerEveryAndAReloadFollows() {
        let root = tempDir()
        let group = ProducerConfigTests.members.replacing("producer_api = \"http://127.0.0.1:8890/\"\n", with: "") + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]\n"
        let g = Guard(config: config("interval = \"10s\"\nstate_directory = \"\(root)/state\"\n" + group), root: HostRoot(root), emit: { _ in })
        XCTAssertEqual(g.wakeEvery, 1)
        _ = g.apply(config("interval = \"10s\"\nproducer_every = \"2s\"\nstate_directory = \"\(root)/state\"\n" + group))
        XCTAssertEqual(g.wakeEvery, 2, "producer_every reloaded")
        _ = g.apply(config("interval = \"10s\"\nstate_directory = \"\(root)/state\"\n"))
        XCTAssertEqual(g.wakeEvery, 10, "the group removed: interval again")
    }
}
