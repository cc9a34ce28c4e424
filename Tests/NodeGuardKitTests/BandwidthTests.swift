import XCTest
@testable import NodeGuardKit

let GB: UInt64 = 1_000_000_000

final class CounterMathTests: XCTestCase {
    func testCounterArithmeticTable() {
        let big: UInt64 = 1 << 40
        let cases: [(String, UInt64, UInt64, Bool, UInt64, CounterChange)] = [
            ("forward", 1000, 5000, false, 1 << 30, .delta(4000)),
            ("unchanged", 7, 7, false, 1 << 30, .delta(0)),
            // Backwards on a 64-bit counter far from 2^32: a reset, counted from zero, never +4 GiB.
            ("reset, not a wrap", big, 300, false, 1 << 30, .reset(300)),
            ("reset of a small counter", 5_000_000, 1_000, false, 1 << 30, .reset(1_000)),
            // Just under 2^32 to just above zero, within what the link could carry: a 32-bit wrap.
            ("32-bit wrap", (1 << 32) - 100, 50, false, 1 << 20, .wrap(150)),
            // The same jump but more than the link could carry: not a wrap, a reset.
            ("too far for a wrap", (1 << 32) - (1 << 30), 50, false, 1 << 20, .reset(50)),
            ("restarted (reboot, new ifindex)", 9_999, 1234, true, 1 << 30, .reset(1234)),
            ("impossible delta", 0, 10 * GB, false, 1 * GB, .impossible(10 * GB)),
            ("impossible after reset", 10 * GB, 5 * GB, true, 1 * GB, .impossible(5 * GB)),
        ]
        for (name, prev, cur, restarted, limit, expected) in cases {
            XCTAssertEqual(CounterMath.change(previous: prev, current: cur, restarted: restarted, maxPlausible: limit), expected, name)
        }
        XCTAssertEqual(CounterChange.impossible(5).counted, 0)
    }
}

final class BillingCalendarTests: XCTestCase {
    func testMonthStartTable() {
        let cases: [(Int, CivilDate, CivilDate)] = [
            (1, CivilDate(2026, 11, 22), CivilDate(2026, 11, 1)),
            (1, CivilDate(2026, 1, 1), CivilDate(2026, 1, 1)),
            (15, CivilDate(2026, 11, 14), CivilDate(2026, 10, 15)),
            (15, CivilDate(2026, 11, 15), CivilDate(2026, 11, 15)),
            (15, CivilDate(2027, 1, 3), CivilDate(2026, 12, 15)),   // across the year
            (28, CivilDate(2024, 2, 29), CivilDate(2024, 2, 28)),   // leap day
            (28, CivilDate(2024, 2, 27), CivilDate(2024, 1, 28)),
            (28, CivilDate(2025, 3, 1), CivilDate(2025, 2, 28)),
        ]
        for (day, date, start) in cases {
            XCTAssertEqual(BillingCalendar.fixed(billingDay: day).monthStart(containing: date), start, "day \(day), \(date)")
        }
    }

    func testMonthLengthsIncludingFebruaryAndLeapYears() {
        let cal = BillingCalendar.fixed(billingDay: 1)
        func days(_ d: CivilDate) -> Double { let (a, b) = cal.monthBounds(d); return (b - a) / 86400 }
        XCTAssertEqual(days(CivilDate(2024, 2, 1)), 29)
        XCTAssertEqual(days(CivilDate(2025, 2, 1)), 28)
        XCTAssertEqual(days(CivilDate(2100, 2, 1)), 28, "2100 is not a leap year")
        XCTAssertEqual(days(CivilDate(2000, 2, 1)), 29, "2000 is")
        XCTAssertEqual(days(CivilDate(2026, 12, 1)), 31)
        let cal28 = BillingCalendar.fixed(billingDay: 28)
        let (a, b) = cal28.monthBounds(CivilDate(2024, 1, 28))
        XCTAssertEqual((b - a) / 86400, 31, "Jan 28 to Feb 28")
    }

    func testTheBoundaryIsExactAtLocalMidnight() {
        // UTC+2: local midnight of 2026-12-01 is 2026-11-30 22:00 UTC.
        let cal = BillingCalendar.fixed(billingDay: 1, utcOffset: 7200)
        let boundary = Double(BillingCalendar.days(from: CivilDate(2026, 12, 1))) * 86400 - 7200
        XCTAssertEqual(cal.monthStart(at: boundary - 0.001), CivilDate(2026, 11, 1))
        XCTAssertEqual(cal.monthStart(at: boundary), CivilDate(2026, 12, 1))
        XCTAssertEqual(cal.monthBounds(CivilDate(2026, 12, 1)).0, boundary)
    }

    func testCivilDaysRoundTrip() {
        for z in stride(from: -800_000, through: 800_000, by: 997) {
            XCTAssertEqual(BillingCalendar.days(from: BillingCalendar.civil(fromDays: z)), z)
        }
        XCTAssertEqual(BillingCalendar.civil(fromDays: 0), CivilDate(1970, 1, 1))
        XCTAssertEqual(CivilDate(2024, 2, 28).addingDays(1), CivilDate(2024, 2, 29))
        XCTAssertEqual(CivilDate(2024, 12, 31).addingDays(1), CivilDate(2025, 1, 1))
        XCTAssertEqual(CivilDate(2025, 3, 1).addingDays(-1), CivilDate(2025, 2, 28))
    }

    func testLocalCalendarUsesTheHostTimeZone() {
        let cal = BillingCalendar(billingDay: 1)
        let midnight = cal.midnight(CivilDate(2026, 11, 1))
        XCTAssertEqual(cal.dateOf(midnight), CivilDate(2026, 11, 1))
        XCTAssertEqual(cal.dateOf(midnight - 1), CivilDate(2026, 10, 31))
    }

    func testBillingDay31IsRejected() {
        XCTAssertEqual(errors("[bandwidth]\nbilling_day = 31\n"),
                       ["t.toml:2:15: bandwidth.billing_day: 31 is out of range: not every month has a day 31; use 1-28 (a quota that resets on the last day of the month: use 1)"])
        XCTAssertEqual(errors("[bandwidth]\nbilling_day = 0\n"), ["t.toml:2:15: bandwidth.billing_day: 0 is out of range; it must be between 1 and 28"])
        XCTAssertEqual(config("[bandwidth]\nbilling_day = 28\n").bandwidth.billingDay, 28)
    }

    func testBandwidthConfig() {
        let c = config("""
        [node]
        unit = "dmo.service"
        [bandwidth]
        interfaces = ["eth0"]
        count = "tx"
        quota = "2TB"
        warn_at = "80%"
        action_at = "95%"
        action = "stop-node"
        """)
        XCTAssertEqual(c.bandwidth.quota, 2_000_000_000_000)
        XCTAssertEqual(c.bandwidth.count, .tx)
        XCTAssertEqual(c.bandwidth.action, .stopNode)
        XCTAssertEqual(config("[bandwidth]\nquota = \"1TB\"\naction = [\"/usr/local/bin/throttle\", \"on\"]\n").bandwidth.action,
                       .command(["/usr/local/bin/throttle", "on"]))
        XCTAssertEqual(errors("[bandwidth]\naction = \"stop_node\"\n"),
                       ["t.toml:2:10: bandwidth.action: `stop_node` is not an action (did you mean \"stop-node\"?); use \"none\", \"stop-node\", \"restart-node\" or a command array such as [\"/usr/local/bin/throttle\"]"])
        XCTAssertEqual(errors("[bandwidth]\ninterfaces = [\"lo\"]\n"), ["t.toml:2:14: bandwidth.interfaces: `lo` is loopback traffic, never billed; leave it out"])
        XCTAssertEqual(errors("[bandwidth]\nquota = \"1TB\"\naction = \"stop-node\"\n"),
                       ["t.toml:3:10: bandwidth.action = \"stop-node\" needs a [node] (unit, container or pidfile)",
                        "t.toml:3:10: bandwidth.action = \"stop-node\" stops a systemd unit; set [node] unit, or give a command array"])
        XCTAssertEqual(errors("[bandwidth]\ncount = \"in\"\n"), ["t.toml:2:9: bandwidth.count: `in` is not a count mode; use \"rx\", \"tx\" or \"both\""])
    }
}

/// The accounting driven through a timeline of counter readings.
final class AccountingTests: XCTestCase {
    let cal = BillingCalendar.fixed(billingDay: 1)
    // 2026-11-10 00:00 UTC
    let t0 = Double(BillingCalendar.days(from: CivilDate(2026, 11, 10))) * 86400

    func sample(boot: String = "b1", at t: Double, boottime: Double? = nil, _ ifs: [(String, Int, UInt64, UInt64)]) -> NetworkSample {
        NetworkSample(bootID: boot, boottime: boottime ?? (t - t0 + 1000), wall: t,
                      interfaces: ifs.map { InterfaceCounters(name: $0.0, ifindex: $0.1, rx: $0.2, tx: $0.3) },
                      linkBytesPerSecond: ["eth0": 125_000_000])
    }

    func month(_ l: BandwidthLedger, _ m: CivilDate = CivilDate(2026, 11, 1)) -> (UInt64, UInt64) { let p = l.month(m); return (p.rx, p.tx) }

    func testFirstRunIsABaselineThenDeltasAreExact() {
        var l = BandwidthLedger()
        XCTAssertEqual(BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 5000, 7000)]), to: &l, calendar: cal), [.started])
        XCTAssertTrue(month(l) == (0, 0), "traffic before nodeguard watched is not this month's")
        _ = BandwidthAccounting.apply(sample(at: t0 + 10, [("eth0", 2, 6000, 9000)]), to: &l, calendar: cal)
        XCTAssertTrue(month(l) == (1000, 2000))
        XCTAssertEqual(l.day(CivilDate(2026, 11, 10)).rx, 1000)
    }

    func testDaemonRestartInTheSameBootCountsTheGapFromTheCounters() throws {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        _ = BandwidthAccounting.apply(sample(at: t0 + 10, [("eth0", 2, 100, 100)]), to: &l, calendar: cal)
        // Saved, then killed; 50 s later a new daemon reads the saved ledger.
        var restored = try BandwidthLedger.parse(l.serialized())
        XCTAssertEqual(restored, l)
        _ = BandwidthAccounting.apply(sample(at: t0 + 60, [("eth0", 2, 5100, 900)]), to: &restored, calendar: cal)
        XCTAssertTrue(month(restored) == (5100, 900))
    }

    func testRebootCountsRestartedCountersFromZero() {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 1_000_000, 1_000_000)]), to: &l, calendar: cal)
        // Reboot: new boot id, counters restarted; 300 bytes moved since boot.
        let notes = BandwidthAccounting.apply(sample(boot: "b2", at: t0 + 600, boottime: 120, [("eth0", 3, 200, 100)]), to: &l, calendar: cal)
        XCTAssertEqual(notes, [.reboot])
        XCTAssertTrue(month(l) == (200, 100))
        XCTAssertEqual(l.bootID, "b2")
    }

    func testResetWithoutRebootIsNotA32BitWrap() {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 6 * GB, 6 * GB)]), to: &l, calendar: cal)
        let notes = BandwidthAccounting.apply(sample(at: t0 + 10, [("eth0", 2, 1000, 2000)]), to: &l, calendar: cal)
        XCTAssertEqual(notes, [.reset(interface: "eth0", direction: "rx", counted: 1000), .reset(interface: "eth0", direction: "tx", counted: 2000)])
        XCTAssertTrue(month(l) == (1000, 2000), "no 4 GiB added")
    }

    func testInterfaceThatVanishesAndComesBack() {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 100, 100)]), to: &l, calendar: cal)
        _ = BandwidthAccounting.apply(sample(at: t0 + 10, []), to: &l, calendar: cal)                 // gone
        XCTAssertEqual(l.interfaces["eth0"]?.rx, 100, "its last counters are kept")
        _ = BandwidthAccounting.apply(sample(at: t0 + 20, [("eth0", 2, 150, 180)]), to: &l, calendar: cal)   // back, same interface
        XCTAssertTrue(month(l) == (50, 80))
        _ = BandwidthAccounting.apply(sample(at: t0 + 30, []), to: &l, calendar: cal)
        _ = BandwidthAccounting.apply(sample(at: t0 + 40, [("eth0", 9, 40, 30)]), to: &l, calendar: cal)     // re-created: new ifindex
        XCTAssertTrue(month(l) == (90, 110), "counted from zero")
    }

    func testImpossibleDeltaIsDiscardedAndLogged() {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        // 1 Gbit/s link, 10 s: at most ~1.56 GB with the margin. 100 GB is impossible.
        let notes = BandwidthAccounting.apply(sample(at: t0 + 10, [("eth0", 2, 100 * GB, 500)]), to: &l, calendar: cal)
        guard case .impossible(let name, let dir, let bytes, _)? = notes.first else { return XCTFail("\(notes)") }
        XCTAssertEqual([name, dir], ["eth0", "rx"])
        XCTAssertEqual(bytes, 100 * GB)
        XCTAssertTrue(month(l) == (0, 500))
        // The baseline moved on: the next delta is normal again.
        _ = BandwidthAccounting.apply(sample(at: t0 + 20, [("eth0", 2, 100 * GB + 10, 600)]), to: &l, calendar: cal)
        XCTAssertTrue(month(l) == (10, 600))
    }

    func testMonthRolloverSplitsTheIntervalAndClosesTheMonthOnce() {
        var l = BandwidthLedger()
        let boundary = Double(BillingCalendar.days(from: CivilDate(2026, 12, 1))) * 86400
        _ = BandwidthAccounting.apply(sample(at: boundary - 30, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        _ = BandwidthAccounting.apply(sample(at: boundary - 10, [("eth0", 2, 1000, 0)]), to: &l, calendar: cal)
        // 10 s before and 10 s after the boundary: 2000 bytes, split in half.
        let notes = BandwidthAccounting.apply(sample(at: boundary + 10, [("eth0", 2, 3000, 0)]), to: &l, calendar: cal)
        XCTAssertEqual(notes, [.monthClosed(PeriodTotal(start: CivilDate(2026, 11, 1), rx: 2000, tx: 0))])
        XCTAssertTrue(month(l, CivilDate(2026, 12, 1)) == (1000, 0))
        XCTAssertEqual(l.day(CivilDate(2026, 11, 30)).rx, 2000)
        XCTAssertEqual(l.day(CivilDate(2026, 12, 1)).rx, 1000)
        XCTAssertEqual(BandwidthAccounting.apply(sample(at: boundary + 20, [("eth0", 2, 3100, 0)]), to: &l, calendar: cal), [])
    }

    func testClockStepBackDoesNotReopenLastMonthOrCountTwice() {
        var l = BandwidthLedger()
        let boundary = Double(BillingCalendar.days(from: CivilDate(2026, 12, 1))) * 86400
        _ = BandwidthAccounting.apply(sample(at: boundary + 100, boottime: 5000, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        // The wall clock is stepped back two days; the boot clock moved 10 s.
        let notes = BandwidthAccounting.apply(sample(at: boundary - 2 * 86400, boottime: 5010, [("eth0", 2, 700, 0)]), to: &l, calendar: cal)
        guard case .clockStep? = notes.first else { return XCTFail("\(notes)") }
        XCTAssertTrue(month(l, CivilDate(2026, 12, 1)) == (700, 0), "booked to the current month")
        XCTAssertTrue(month(l, CivilDate(2026, 11, 1)) == (0, 0), "last month not reopened")
        // Forward again: counted once, no second month close.
        let again = BandwidthAccounting.apply(sample(at: boundary + 130, boottime: 5040, [("eth0", 2, 900, 0)]), to: &l, calendar: cal)
        XCTAssertFalse(again.contains { if case .monthClosed = $0 { return true }; return false })
        XCTAssertTrue(month(l, CivilDate(2026, 12, 1)) == (900, 0))
    }

    func testClockStepForwardAcrossMonthsClosesOnceWithoutLosingTraffic() {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, boottime: 100, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        let later = Double(BillingCalendar.days(from: CivilDate(2027, 2, 3))) * 86400
        let notes = BandwidthAccounting.apply(sample(at: later, boottime: 110, [("eth0", 2, 500, 0)]), to: &l, calendar: cal)
        XCTAssertEqual(notes.filter { if case .monthClosed = $0 { return true }; return false }.count, 1)
        XCTAssertTrue(month(l, CivilDate(2027, 2, 1)) == (500, 0))
    }

    func testLedgerFileRoundTripAndCorruption() throws {
        var l = BandwidthLedger()
        _ = BandwidthAccounting.apply(sample(at: t0, [("eth0", 2, 1, 2), ("eth1", 4, 3, 4)]), to: &l, calendar: cal)
        _ = BandwidthAccounting.apply(sample(at: t0 + 10, [("eth0", 2, 100, 200), ("eth1", 4, 30, 40)]), to: &l, calendar: cal)
        l.warnedMonth = CivilDate(2026, 11, 1)
        let text = l.serialized()
        XCTAssertEqual(try BandwidthLedger.parse(text), l)
        // Truncated anywhere: refused, never half-read.
        for cut in [text.count / 3, text.count - 5] {
            XCTAssertThrowsError(try BandwidthLedger.parse(String(text.prefix(cut)))) { e in
                XCTAssertFalse((e as! BandwidthLedger.Corrupt).reason.isEmpty)
            }
        }
        XCTAssertThrowsError(try BandwidthLedger.parse(text.replacingOccurrences(of: "month 2026-11-01", with: "month 2026-13-01")))
        XCTAssertThrowsError(try BandwidthLedger.parse("garbage\n"))
    }

    func testProjectionAndQuotaDecisionsOncePerMonth() {
        var l = BandwidthLedger()
        let start = Double(BillingCalendar.days(from: CivilDate(2026, 11, 1))) * 86400
        _ = BandwidthAccounting.apply(sample(at: start, boottime: 10, [("eth0", 2, 0, 0)]), to: &l, calendar: cal)
        // 10 days in, 400 GB: linear month end 1.2 TB.
        var t = start
        var counter: UInt64 = 0
        for _ in 0..<240 { t += 3600; counter += 400 * GB / 240
            _ = BandwidthAccounting.apply(NetworkSample(bootID: "b1", boottime: t - start + 10, wall: t, interfaces: [InterfaceCounters(name: "eth0", ifindex: 2, rx: counter, tx: 0)],
                                                        linkBytesPerSecond: ["eth0": 125_000_000]), to: &l, calendar: cal) }
        let p = BandwidthRules.projection(l, calendar: cal, count: .both, quota: 1000 * GB, now: t)
        XCTAssertEqual(p.used, 240 * (400 * GB / 240))
        XCTAssertEqual(Double(p.linearEnd!), 1.2e12, accuracy: 1e9)
        XCTAssertEqual(p.dayRate!, 40e9 / 86400, accuracy: 1e3)
        // 1 TB quota, 600 GB left at 40 GB/day: reached 15 days later, on 2026-11-26.
        XCTAssertEqual(cal.dateOf(p.quotaReachedAt!), CivilDate(2026, 11, 26))

        XCTAssertEqual(BandwidthRules.decide(&l, projection: p, quota: 450 * GB, warnAt: 0.8, actionAt: 0.95), [.warn])
        XCTAssertEqual(BandwidthRules.decide(&l, projection: p, quota: 450 * GB, warnAt: 0.8, actionAt: 0.95), [], "once per month")
        XCTAssertEqual(BandwidthRules.decide(&l, projection: p, quota: 410 * GB, warnAt: 0.8, actionAt: 0.95), [.act])
        // The next month re-arms both.
        var next = p
        next.month = CivilDate(2026, 12, 1)
        XCTAssertEqual(BandwidthRules.decide(&l, projection: next, quota: 410 * GB, warnAt: 0.8, actionAt: 0.95), [.warn, .act])
    }

    func testDefaultRouteInterfaces() {
        let root = HostRoot(fixture("cgroup-v2-vps"))
        XCTAssertEqual(NetworkProbe.parseDefaultRoutes(ipv4: root.read("/proc/net/route"), ipv6: root.read("/proc/net/ipv6_route")), ["eth0"])
        XCTAssertEqual(NetworkProbe.parseDefaultRoutes(ipv4: "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nlo\t00000000\t0\t0\t0\t0\t0\t00000000\n", ipv6: nil), [])
        let s = try? NetworkProbe.read(interfaces: ["eth0"], root: root, now: Now(monotonic: 0, wall: 0)).get()
        XCTAssertEqual(s?.interfaces, [InterfaceCounters(name: "eth0", ifindex: 2, rx: 334511904213, tx: 512301114998)])
        XCTAssertEqual(s?.linkBytesPerSecond["eth0"], 125_000_000)
        XCTAssertEqual(s?.bootID, "5b0a8a4e-1f0c-4f7e-9d8b-6f3c2a1e9b77")
    }
}
