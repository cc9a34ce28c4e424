import XCTest
@testable import NodeGuardKit

final class RulesTests: XCTestCase {
    func testAlarmNeverFiresOnASingleSample() {
        var a = SustainedAlarm()
        XCTAssertNil(a.update(breached: true, clear: false, now: 0, sustained: 0))
        XCTAssertEqual(a.update(breached: true, clear: false, now: 1, sustained: 0), .fired)
    }

    func testAlarmHysteresis() {
        var a = SustainedAlarm()
        let steps: [(Bool, Bool, AlarmTransition?)] = [
            (true, false, nil), (true, false, .fired), (true, false, nil),   // fires once, not every cycle
            (false, false, nil),                                              // below threshold, inside the margin: still fired
            (true, false, nil),
            (false, true, .recovered), (false, true, nil),
        ]
        for (i, (breached, clear, expected)) in steps.enumerated() {
            XCTAssertEqual(a.update(breached: breached, clear: clear, now: Double(i) * 10, sustained: 10), expected, "step \(i)")
        }
    }

    func testRestartOnlyAfterSustainedTime() {
        var tl = Timeline(nodeConfig())
        for t in stride(from: 0.0, through: 50, by: 10) { XCTAssertNil(tl.at(t, node: 1300 * MiB).restart, "t=\(t)") }
        // A dip below the threshold restarts the clock.
        XCTAssertNil(tl.at(55, node: 1100 * MiB).restart)
        for t in stride(from: 60.0, through: 110, by: 10) { XCTAssertNil(tl.at(t, node: 1300 * MiB).restart, "t=\(t)") }
        let d = tl.at(120, node: 1300 * MiB)
        XCTAssertEqual(d.restart?.check, "node_memory")
        XCTAssertEqual(d.restart?.threshold, String(1200 * MiB))
        XCTAssertTrue(d.restart!.reason.contains("above restart_above 1.2 GiB for 1m"), d.restart!.reason)   // each threshold once
    }

    func testGracePeriodAfterARestart() {
        var tl = Timeline(nodeConfig())
        for t in stride(from: 0.0, through: 60, by: 10) { _ = tl.at(t, node: 1300 * MiB) }
        XCTAssertEqual(tl.restarts, [60])
        // Still high during the 600 s grace: nothing fires, not even the warning.
        for t in stride(from: 70.0, through: 650, by: 10) { _ = tl.at(t, node: 1300 * MiB) }
        XCTAssertEqual(tl.restarts, [60])
        XCTAssertFalse(tl.events.contains { $0.0 > 60 && $0.1.kind == .warning }, "no warning during grace")
        // After grace the sustained time counts again from zero.
        for t in stride(from: 660.0, through: 720, by: 10) { _ = tl.at(t, node: 1300 * MiB) }
        XCTAssertEqual(tl.restarts, [60, 720])
    }

    func testRateLimitThenCritThenRearm() {
        var tl = Timeline(nodeConfig { $0.nodes[0].grace = 0 })
        for t in stride(from: 0.0, through: 2000, by: 10) { _ = tl.at(t, node: 1300 * MiB) }
        XCTAssertEqual(tl.restarts.count, 2, "max_restarts = 2 per hour")
        let limits = tl.events.filter { $0.1.kind == .restartLimit }
        XCTAssertEqual(limits.count, 1, "CRIT is logged once")
        XCTAssertEqual(limits[0].1.priority, .crit)
        XCTAssertTrue(limits[0].1.message.contains("restarted 2 times within 1h (max_restarts = 2)"), limits[0].1.message)
        // Each restart says its place in the window; the CRIT says when restarting re-arms.
        let said = tl.events.filter { $0.1.kind == .restartDryRun }.map(\.1.message)
        XCTAssertTrue(said[0].hasSuffix("(restart 1 of 2 in 1h)") && said[1].hasSuffix("(restart 2 of 2 in 1h)"), "\(said)")
        let rearmAt = tl.t0 + tl.restarts[0] + 3600
        XCTAssertTrue(limits[0].1.message.hasSuffix("restarting re-arms at \(TimeFormat.local(rearmAt)) (in \(TimeSpan.format(rearmAt - tl.t0 - limits[0].0)))"),
                      limits[0].1.message)
        XCTAssertEqual(tl.policy.limitReached, true)
        // The window passes (first restart at 60 s, window 1 h): re-armed, and it may restart again.
        for t in stride(from: 2010.0, through: 3750, by: 10) { _ = tl.at(t, node: 1300 * MiB) }
        XCTAssertEqual(tl.kinds().filter { $0 == .restartRearmed }.count, 1)
        XCTAssertEqual(tl.restarts.count, 3)
        let rearm = tl.events.first { $0.1.kind == .restartRearmed }!.0
        XCTAssertGreaterThanOrEqual(rearm, 3660)
        XCTAssertGreaterThan(tl.restarts[2], rearm + 59, "after re-arming, `for` is needed again")
    }

    func testWarningFiresOnceAndRecoversPastTheMargin() {
        var tl = Timeline(nodeConfig())
        for t in stride(from: 0.0, through: 100, by: 10) { _ = tl.at(t, node: 1100 * MiB) }
        XCTAssertEqual(tl.kinds(), [.warning])
        XCTAssertEqual(tl.events[0].1.field("CHECK"), "node_memory")
        XCTAssertEqual(tl.events[0].1.field("THRESHOLD"), String(GiB))
        // Just under the threshold (inside the 5% margin): no recovery yet.
        _ = tl.at(110, node: 1000 * MiB)
        XCTAssertEqual(tl.kinds(), [.warning])
        _ = tl.at(120, node: 900 * MiB)
        XCTAssertEqual(tl.kinds(), [.warning, .recovered])
    }

    func testHostFloorRestartsTheNode() {
        var tl = Timeline(nodeConfig())
        for t in stride(from: 0.0, through: 60, by: 10) { _ = tl.at(t, node: 500 * MiB, available: 100 * MiB) }
        XCTAssertEqual(tl.restarts, [60])
        XCTAssertTrue(tl.kinds().contains(.warning), "host warn floor fires first")
    }

    func testHostFloorWithoutNodeIsCritical() {
        var c = Config()
        c.memory.sustained = 20
        var tl = Timeline(c)
        for t in stride(from: 0.0, through: 30, by: 10) { _ = tl.at(t, node: nil, available: 100 * MiB) }
        XCTAssertEqual(tl.restarts, [])
        let crit = tl.events.first { $0.1.kind == .critical }
        XCTAssertTrue(crit?.1.message.contains("no [node] is configured") == true)
    }

    func testLeakTrendWarnsWithSlopeAndProjection() {
        var c = nodeConfig()
        c.memory.trendWindow = 600
        c.memory.warnAbove = .bytes(1190 * MiB)
        var tl = Timeline(c)
        // +1 MiB every 10 s from 600 MiB: 360 MiB/h, a steady leak.
        for i in 0...60 { _ = tl.at(Double(i) * 10, node: 600 * MiB + UInt64(i) * MiB) }
        let leaks = tl.events.filter { $0.1.kind == .leakTrend }
        XCTAssertEqual(leaks.count, 1, "warned once")
        let e = leaks[0].1
        XCTAssertEqual(e.priority, .warning)
        XCTAssertEqual(e.field("SLOPE"), "\(360 * MiB) bytes/h")
        XCTAssertTrue(e.message.contains("+360 MiB/h"), e.message)
        // Fired after half the window: at 330 MiB... projection is about (1200-630)/360 h.
        XCTAssertTrue(e.message.contains("reaches restart_above (1.2 GiB) in ~1h 3"), e.message)
    }

    func testNoLeakWarningForNoiseOrFlatMemory() {
        var c = nodeConfig()
        c.memory.trendWindow = 600
        var tl = Timeline(c)
        for i in 0...60 { _ = tl.at(Double(i) * 10, node: 600 * MiB + UInt64((i * 7919) % 13) * MiB) }
        XCTAssertFalse(tl.kinds().contains(.leakTrend))
    }

    func testTrendFit() {
        let f = TrendWindow.fit(times: [0, 1, 2, 3], values: [10, 12, 14, 16])!
        XCTAssertEqual(f.slope, 2, accuracy: 1e-9)
        XCTAssertEqual(f.r2, 1, accuracy: 1e-9)
        XCTAssertNil(TrendWindow.fit(times: [0, 1], values: [1, 2]))
        var w = TrendWindow(window: 100, maxPoints: 10)
        for t in 0..<1000 { w.add(time: Double(t), value: Double(t)) }
        XCTAssertLessThanOrEqual(w.times.count, 12, "bounded")
        XCTAssertGreaterThanOrEqual(w.times.first!, 899)
    }

    func testDiskLevelsWithReclaimBeforeCritAndHysteresis() {
        var tl = Timeline(Config())
        XCTAssertEqual(tl.at(0, node: nil, disk: disk(freeShare: 0.40)).checks.first { $0.check == "disk_free" }?.state, .ok)
        _ = tl.at(10, node: nil, disk: disk(freeShare: 0.12))
        XCTAssertEqual(tl.kinds(), [.warning])
        // Critical: reclaimed first (nothing of nodeguard's on this fixture), measured again, then CRIT.
        let d = tl.at(20, node: nil, disk: disk(freeShare: 0.03))
        XCTAssertEqual(tl.fake.diskReads, 2, "measured again after reclaiming")
        XCTAssertEqual(d.events.map(\.kind), [.critical])
        XCTAssertTrue(d.events[0].message.contains("nothing nodeguard can reclaim there"), d.events[0].message)
        // Staying critical logs nothing more.
        XCTAssertEqual(tl.at(30, node: nil, disk: disk(freeShare: 0.03)).events, [])
        // Back just above 5%: inside the margin, still critical.
        XCTAssertEqual(tl.at(40, node: nil, disk: disk(freeShare: 0.055)).events, [])
        // Clearly above: back to warning, then ok.
        XCTAssertEqual(tl.at(50, node: nil, disk: disk(freeShare: 0.10)).events.map(\.kind), [.warning])
        XCTAssertEqual(tl.at(60, node: nil, disk: disk(freeShare: 0.30)).events.map(\.kind), [.recovered])
    }

    func testReclaimingEnoughAvoidsCrit() {
        var tl = Timeline(Config())
        let d = tl.at(0, node: nil, disk: disk(freeShare: 0.03), afterReclaim: disk(freeShare: 0.20))
        XCTAssertFalse(d.events.contains { $0.kind == .critical })
        XCTAssertEqual(d.checks.first { $0.check == "disk_free" }?.state, .ok)
        XCTAssertEqual(d.checks.first { $0.check == "disk_free" }?.value, "9.3 GiB free (20%)", "the reading after reclaiming")
    }

    func testInodes() {
        var tl = Timeline(Config())
        _ = tl.at(0, node: nil, disk: disk(freeShare: 0.5, inodes: 0.02))
        XCTAssertEqual(tl.events.first?.1.kind, .critical)
        XCTAssertEqual(tl.events.first?.1.field("CHECK"), "disk_inodes")
    }

    func testFillRateProjection() {
        var c = Config()
        c.disk.fillRateWindow = 3600
        var tl = Timeline(c)
        // 10 GB free, filling 1 GB per 100 s.
        var last = Step(events: [], readings: [])
        for i in 0...10 {
            let free = 10_000_000_000 - UInt64(i) * 1_000_000_000 / 10
            last = tl.at(Double(i) * 10, node: nil, disk: DiskUsage(path: "/", totalBytes: 50_000_000_000, freeBytes: free, totalInodes: 10, freeInodes: 10))
        }
        let p = last.checks.first { $0.check == "disk_free" }!.projection
        XCTAssertEqual(p, "full in ~15m")
    }

    func testProbeFailureLoggedOnceAndItsRecovery() {
        var tl = Timeline(nodeConfig())
        tl.fake.host = .failure(ProbeError("cannot read /proc/meminfo"))
        func cycle(_ t: Double) -> Step {
            let s = tl.at(t, node: 500 * MiB, available: GiB)
            return s
        }
        let bad: Result<HostMemory, ProbeError> = .failure(ProbeError("cannot read /proc/meminfo"))
        var steps: [Step] = []
        for t in [0.0, 1, 2] {
            tl.guardian.check(HostMemoryCheck.self)?.probe = { bad }
            steps.append(cycle(t))
        }
        XCTAssertEqual(steps.map { $0.events.map(\.kind) }, [[.probeFailed], [], []])
        XCTAssertEqual(steps[2].checks.first { $0.check == "host_memory" }?.state, .error)
        XCTAssertEqual(steps[2].checks.first { $0.check == "host_memory" }?.value, "?")
        let fake = tl.fake
        tl.guardian.check(HostMemoryCheck.self)?.probe = { fake.host }
        XCTAssertEqual(cycle(3).events.map(\.kind), [.recovered])
    }

    func testRestartingReArmsWhenEnoughRestartsLeaveTheWindow() {
        var p = RestartPolicy(grace: 0, maxRestarts: 2, window: 3600)
        XCTAssertNil(p.rearmsAt(now: 0), "allowed now")
        p.record(now: 100)
        XCTAssertNil(p.rearmsAt(now: 200))
        p.record(now: 1000)
        XCTAssertEqual(p.rearmsAt(now: 1100), 3700, "when the first of the two is an hour old")
        p.record(now: 2000)   // three in the window (a restart_command the budget let through earlier)
        XCTAssertEqual(p.rearmsAt(now: 2100), 4600, "two must leave: the second is an hour old at 4600")
        XCTAssertNil(p.rearmsAt(now: 4700))
    }

    func testRestartPolicyPersistsAcrossDaemonRestarts() {
        var p = RestartPolicy(grace: 60, maxRestarts: 3, window: 3600)
        p.record(now: 1000)
        p.record(now: 1500)
        var q = RestartPolicy(grace: 60, maxRestarts: 3, window: 3600)
        q.restore(p.serialized())
        XCTAssertEqual(q.history, [1000, 1500])
        XCTAssertTrue(q.inGrace(now: 1510))
        XCTAssertEqual(q.restartsInWindow(now: 4700), 1)
    }
}

final class HealthRuleTests: XCTestCase {
    /// A container node, dmo, with the health watch set by `extra`.
    func containerConfig(_ extra: (inout NodeConfig) -> Void) -> Config {
        var c = Config()
        var n = NodeConfig(name: "dmo")
        n.container = "dmo"
        extra(&n)
        c.nodes = [n]
        return c
    }

    func testUnhealthyContainerRestartedAfterTheConfiguredTimeOnly() {
        var tl = Timeline(containerConfig { $0.restartUnhealthyAfter = 20 })
        func at(_ t: Double, _ health: String) -> Step { tl.at(t, node: 100 * MiB, health: health) }
        XCTAssertNil(at(0, "unhealthy").restart)
        XCTAssertNil(at(10, "starting").restart, "not unhealthy: nothing")
        XCTAssertNil(at(15, "unhealthy").restart)
        XCTAssertNil(at(25, "unhealthy").restart)
        let d = at(35, "unhealthy")
        XCTAssertEqual(d.restart?.check, "container_health")
        XCTAssertEqual(d.restart?.node, "dmo")
        XCTAssertTrue(d.restart?.reason.contains("unhealthy for 20s") == true, d.restart?.reason ?? "")
        // Off by default.
        var off = Timeline(containerConfig { _ in })
        for t in stride(from: 0.0, through: 100, by: 10) {
            XCTAssertNil(off.at(t, node: 100 * MiB, health: "unhealthy").restart)
        }
    }

    /// A container that stays unhealthy: restarted, held by the restart limit,
    /// and restarted again once the window has passed and the rule re-armed.
    func testStillUnhealthyAfterTheWindowIsRestartedAgain() {
        var tl = Timeline(containerConfig {
            $0.restartUnhealthyAfter = 20
            $0.grace = 10
            $0.maxRestarts = 1
            $0.restartWindow = 100
        })
        var limits: [Double] = [], rearms: [Double] = []
        for t in stride(from: 0.0, through: 400, by: 5) {
            let d = tl.at(t, node: 100 * MiB, health: "unhealthy")
            if d.events.contains(where: { $0.kind == .restartLimit }) { limits.append(t) }
            if d.events.contains(where: { $0.kind == .restartRearmed }) { rearms.append(t) }
        }
        let restarts = tl.restarts
        XCTAssertEqual(restarts.first, 20)
        XCTAssertEqual(limits.first, 50, "unhealthy again past grace: the limit holds the second restart")
        XCTAssertEqual(rearms.first, 120, "the window of 100 s since the restart at 20 s has passed")
        XCTAssertEqual(restarts.count, 4, "restarted again after each re-arm: \(restarts)")
        XCTAssertEqual(restarts.dropFirst().first, 140, "20 s of unhealthy after the re-arm")
    }
}
