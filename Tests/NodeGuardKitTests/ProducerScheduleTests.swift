// Whose turn it is on an Antelope chain: the schedule arithmetic on a table.
import XCTest
@testable import NodeGuardKit

final class ProducerScheduleTests: XCTestCase {
    let abc = ProducerSchedule(["a", "b", "c"])   // a round of 36 slots: a 0-11, b 12-23, c 24-35

    func testSlotsFromTheWallClock() {
        let rows: [(ms: Int64, slot: Int64)] = [
            (946_684_800_000, 0), (946_684_800_499, 0), (946_684_800_500, 1),
            (1_796_515_200_000, 1_699_660_800),   // 2026-12-06T00:00:00Z
        ]
        for r in rows { XCTAssertEqual(ProducerSchedule.slot(unixMs: r.ms), r.slot, "\(r.ms)") }
        XCTAssertEqual(ProducerSchedule.start(ofSlot: 1_699_660_800), 1_796_515_200_000)
    }

    func testWhoseTurn() {
        let rows: [(slot: Int64, who: String?)] = [(0, "a"), (11, "a"), (12, "b"), (23, "b"), (24, "c"), (35, "c"), (36, "a"), (-1, nil)]
        for r in rows { XCTAssertEqual(abc.producer(ofSlot: r.slot), r.who, "slot \(r.slot)") }
        XCTAssertNil(ProducerSchedule([]).producer(ofSlot: 5), "no schedule, nobody")
        // 21 producers, as on EOS: 2026-12-06T00:00:00Z falls in the 16th's turn.
        let eos = ProducerSchedule((1...21).map { "bp\($0)" })
        XCTAssertEqual(eos.round, 252)
        XCTAssertEqual(eos.producer(ofSlot: 1_699_660_800), "bp16")
    }

    func testTurnsOfAnAccount() {
        let rows: [(account: String, slot: Int64, containing: Range<Int64>?, next: Range<Int64>?, last: Range<Int64>?)] = [
            ("a", 0, 0..<12, 0..<12, nil),
            ("a", 1, 0..<12, 36..<48, nil),
            ("a", 11, 0..<12, 36..<48, nil),
            ("a", 12, nil, 36..<48, 0..<12),
            ("a", 47, 36..<48, 72..<84, 0..<12),
            ("a", 48, nil, 72..<84, 36..<48),
            ("b", 12, 12..<24, 12..<24, nil),
            ("b", 13, 12..<24, 48..<60, nil),
            ("c", 0, nil, 24..<36, nil),
            ("c", 100, 96..<108, 132..<144, 60..<72),
            ("z", 5, nil, nil, nil),
        ]
        for r in rows {
            XCTAssertEqual(abc.turn(of: r.account, containing: r.slot), r.containing, "\(r.account) at \(r.slot): its turn")
            XCTAssertEqual(abc.nextTurn(of: r.account, from: r.slot), r.next, "\(r.account) at \(r.slot): next turn")
            XCTAssertEqual(abc.lastTurn(of: r.account, before: r.slot), r.last, "\(r.account) at \(r.slot): last turn ended")
        }
    }
}

final class HandoverWindowTests: XCTestCase {
    func testBetweenOurTurns() {
        let abc = ProducerSchedule(["a", "b", "c"])   // a 0-11, b 12-23, c 24-35
        let rows: [(account: String, slot: Int64, window: Range<Int64>?)] = [
            ("b", 0, 0..<12),      // before our turn: until it starts
            ("b", 11, 11..<12),    // the last slot before it
            ("b", 12, 24..<48),    // in our turn: from its end to the next one
            ("b", 23, 24..<48),
            ("b", 24, 24..<48),
            ("z", 5, nil),
        ]
        for r in rows { XCTAssertEqual(abc.handoverWindow(of: r.account, from: r.slot), r.window, "\(r.account) at \(r.slot)") }
        XCTAssertEqual(ProducerSchedule(["solo"]).handoverWindow(of: "solo", from: 5), 12..<12, "a schedule of one: no slot between its turns")
    }
}
