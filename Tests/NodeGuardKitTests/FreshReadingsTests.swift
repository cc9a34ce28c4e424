// A check acts only on readings it has just taken: a sustained breach is
// one seen every cycle, never two readings either side of a gap.
import XCTest
@testable import NodeGuardKit

final class FreshReadingsTests: XCTestCase {
    func testAHoldDoesNotSpanCyclesWithoutAReading() {
        var a = SustainedAlarm()
        XCTAssertNil(a.update(breached: true, clear: false, now: 0, sustained: 60))
        a.interrupted()
        XCTAssertNil(a.update(breached: true, clear: false, now: 70, sustained: 60), "two readings 70 s apart are no 60 s hold")
        XCTAssertNil(a.update(breached: true, clear: false, now: 100, sustained: 60))
        XCTAssertEqual(a.update(breached: true, clear: false, now: 130, sustained: 60), .fired, "held from 70, read every cycle")
        a.interrupted()
        XCTAssertNil(a.update(breached: true, clear: false, now: 140, sustained: 60), "a fired alarm stays fired, not fired again")
    }

    func testNoMemoryRestartOnReadingsEitherSideOfAProbeGap() {
        // Above restart_above at 0 and 10, unreadable from 20 to 60, above again from 70:
        // the 60 s hold counts from 70, not from 0.
        var tl = Timeline(nodeConfig())
        let node = tl.guardian.nodes[0], fake = tl.fake, guardian = tl.guardian, t0 = tl.t0
        XCTAssertNil(tl.at(0, node: 1300 * MiB).restart)
        XCTAssertNil(tl.at(10, node: 1300 * MiB).restart)
        node.read = { _, _ in NodeSample(memory: .failure(ProbeError("cannot read the cgroup of dmo.service"))) }
        for t in stride(from: 20.0, through: 60, by: 10) { guardian.runCycle(now: Now(monotonic: t, wall: t0 + t)) }
        node.read = { _, _ in fake.node }
        for t in stride(from: 70.0, through: 120, by: 10) { XCTAssertNil(tl.at(t, node: 1300 * MiB).restart, "t=\(t)") }
        XCTAssertNotNil(tl.at(130, node: 1300 * MiB).restart, "held 60 s from the first reading after the gap")
    }
}
