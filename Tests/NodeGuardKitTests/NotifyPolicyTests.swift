import XCTest
@testable import NodeGuardKit

/// What a target is told, on a table of events and an injected clock.
final class NotifyPolicyTests: XCTestCase {
    func target(batch: Double = 0, repeatAfter: Double = 3600, maxPerHour: Int = 20, _ edit: (inout NotifyTarget) -> Void = { _ in }) -> NotifyTarget {
        var t = NotifyTarget(name: "phone", kind: .ntfy)
        t.batch = batch; t.repeatAfter = repeatAfter; t.maxPerHour = maxPerHour
        edit(&t)
        return t
    }

    static let down = Event(.nodeDown, "node dmo (dmo.service) is not running", fields: [("NODE", "dmo")])
    static let up = Event(.nodeUp, "node dmo (dmo.service) runs again", fields: [("NODE", "dmo")])
    static let restart = Event(.restart, "restarted node dmo: memory 1.3 GiB above restart_above", fields: [("NODE", "dmo"), ("ACTION", "restart")])
    static let diskWarn = Event(.warning, "disk / 12% free", fields: [("CHECK", "disk_free"), ("TARGET", "/")])
    static let diskCrit = Event(.critical, "disk / 3% free", fields: [("CHECK", "disk_free"), ("TARGET", "/")])
    static let diskOK = Event(.recovered, "disk /: disk space recovered", fields: [("CHECK", "disk_free"), ("TARGET", "/")])
    static let pruned = Event(.logPruned, "pruned a log", fields: [("TARGET", "/var/lib/docker/x.log")])

    /// Runs (time, events) rows; returns each message as "t: kind/role message | ...".
    func run(_ t: NotifyTarget, _ rows: [(Double, [Event])]) -> [String] {
        var p = NotifyPolicy(t)
        var said: [String] = []
        for (now, events) in rows {
            for m in p.step(events, now: now) {
                said.append("\(Int(now)): " + m.map { "\($0.event.kind.rawValue)/\($0.role.rawValue) \($0.event.message)" }.joined(separator: " | "))
            }
        }
        return said
    }

    func testAProblemIsSaidOnceRemindedAndItsRecoveryCountsTheRestarts() {
        let said = run(target(), [
            (0, [Self.down]), (10, [Self.down]), (20, [Self.restart]), (3599, []), (3600, []), (3700, [Self.up]), (3710, [Self.up]),
        ])
        XCTAssertEqual(said, [
            "0: node_down/event node dmo (dmo.service) is not running",
            "20: restart/event restarted node dmo: memory 1.3 GiB above restart_above",
            "3600: node_down/reminder still: node dmo (dmo.service) is not running (for 1h)",
            "3700: node_up/recovery node dmo (dmo.service) runs again after 1 restart",
        ])
    }

    func testNoReminderWhenRepeatAfterIsZeroAndNoRecoveryForWhatWasNeverSaid() {
        XCTAssertEqual(run(target(repeatAfter: 0), [(0, [Self.down]), (7200, []), (7300, [Self.up])]).count, 2)
        XCTAssertEqual(run(target(), [(0, [Self.up, Self.diskOK])]), [], "a recovery of a problem this target never heard of")
    }

    func testEventsWithinTheBatchGoOutAsOneMessage() {
        let said = run(target(batch: 30), [(0, [Self.diskWarn]), (10, [Self.diskCrit]), (20, []), (30, []), (40, [Self.diskOK]), (70, [])])
        XCTAssertEqual(said, [
            "30: warning/event disk / 12% free | critical/event disk / 3% free",
            "70: recovered/recovery disk /: disk space recovered",
        ])
    }

    func testAStormIsCappedAndTheHeldBackAreCounted() {
        let flapping: [(Double, [Event])] = (0..<6).map { (Double($0) * 60, [Self.restart]) } + [(3599, []), (3600, []), (3660, [Self.restart])]
        let said = run(target(maxPerHour: 2), flapping)
        XCTAssertEqual(said.count, 4, said.joined(separator: "\n"))
        XCTAssertTrue(said[0].hasPrefix("0: restart/event"))
        XCTAssertTrue(said[1].hasPrefix("60: restart/event"))
        XCTAssertEqual(said[2], "3600: notify_held_back/held_back 4 notifications held back in the last hour (restart ×4): more than max_per_hour = 2; `journalctl -u nodeguard` has them all")
        XCTAssertTrue(said[3].hasPrefix("3660: restart/event"), "a new hour, a new allowance")
    }

    func testFilters() {
        let rows: [(String, NotifyTarget, Event, Bool)] = [
            ("a restart is a warning", target(), Self.restart, true),
            ("notice is below warning", target(), Self.pruned, false),
            ("notice allowed", target { $0.minPriority = .notice }, Self.pruned, true),
            ("crit only", target { $0.minPriority = .crit }, Self.diskWarn, false),
            ("crit passes crit", target { $0.minPriority = .crit }, Self.diskCrit, true),
            ("events list", target { $0.events = ["node_down"] }, Self.restart, false),
            ("events list hit", target { $0.events = ["node_down"] }, Self.down, true),
            ("excluded kind", target { $0.excludeEvents = ["restart"] }, Self.restart, false),
            ("other node", target { $0.nodes = ["xmr"] }, Self.restart, false),
            ("host event passes a node filter", target { $0.nodes = ["xmr"] }, Self.diskCrit, true),
            ("excluded node", target { $0.excludeNodes = ["dmo"] }, Self.down, false),
        ]
        for (what, t, e, passes) in rows { XCTAssertEqual(NotifyPolicy(t).passes(e), passes, what) }
    }

    func testEscalationIsSaidAndOneRecoveryEndsBoth() {
        var p = NotifyPolicy(target())
        XCTAssertEqual(p.step([Self.diskWarn], now: 0).count, 1)
        XCTAssertEqual(p.step([Self.diskCrit], now: 10).count, 1, "critical after warning is news")
        XCTAssertEqual(p.open.count, 2)
        XCTAssertEqual(p.step([Self.diskOK], now: 20).first?.map(\.role), [.recovery])
        XCTAssertTrue(p.open.isEmpty)
    }
}
