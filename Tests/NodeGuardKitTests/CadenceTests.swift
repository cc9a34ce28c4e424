// A check with a cadence of its own (the producer groups' producer_every)
// wakes the loop as often as it needs; the other checks keep `interval`,
// and between their runs show what they found last.
import XCTest
@testable import NodeGuardKit

/// Counts its runs every second, whatever `interval` is.
final class EverySecondCheck: OwnCadence {
    static let declaration = CheckDeclaration("every_second", readings: [runs]) { _ in [EverySecondCheck()] }
    static let runs = ReadingKind("every_second", "runs of a check only the tests know, every second")
    var count = 0
    var every: Double { 1 }
    var kind: String { Self.declaration.kind }
    var target: String { "fast" }
    func update(_ config: Config) {}
    func run(_ cycle: inout Cycle) {
        count += 1
        cycle.readings.append(Reading(Self.runs, target: target, value: .count(count)))
    }
}

/// Counts its runs: on the loop's `interval`.
final class IntervalCheck: Check {
    static let declaration = CheckDeclaration("on_interval", readings: [runs]) { _ in [IntervalCheck()] }
    static let runs = ReadingKind("on_interval", "runs of a check only the tests know, every interval")
    var count = 0
    var kind: String { Self.declaration.kind }
    var target: String { "slow" }
    func update(_ config: Config) {}
    func run(_ cycle: inout Cycle) {
        count += 1
        cycle.readings.append(Reading(Self.runs, target: target, value: .count(count)))
    }
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
}
