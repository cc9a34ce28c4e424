// Whether our account missed its turn, from the heads one member showed.
import XCTest
@testable import NodeGuardKit

final class TurnWatchTests: XCTestCase {
    /// A head of `producer` at `slot`.
    func head(_ slot: Int64, _ producer: String) -> ProducerAPI.Head {
        ProducerAPI.Head(block: UInt64(slot), time: Double(ProducerSchedule.start(ofSlot: slot)) / 1000, producer: producer, irreversible: 0)
    }

    func testATurnIsMissedOnlyOnceTheChainIsPastIt() {
        let turn: Range<Int64> = 1_000_008..<1_000_020   // ours, 12 slots
        let rows: [(why: String, heads: [(Int64, String)], missed: Bool?)] = [
            ("every other head ours, as a 1 s poll sees them", [(1_000_008, "ourbp"), (1_000_010, "ourbp"), (1_000_012, "ourbp"), (1_000_020, "nextbp")], false),
            ("one block of ours is enough to say not missed", [(1_000_019, "ourbp"), (1_000_021, "nextbp")], false),
            ("heads of others through our turn and past it", [(1_000_007, "prevbp"), (1_000_007, "prevbp"), (1_000_021, "nextbp")], true),
            ("the chain not past our turn yet", [(1_000_007, "prevbp"), (1_000_015, "prevbp")], nil),
            ("nothing seen at all", [], nil),
            ("a block of ours outside the turn does not count", [(1_000_005, "ourbp"), (1_000_030, "nextbp")], true),
        ]
        for r in rows {
            var w = TurnWatch()
            for (slot, who) in r.heads { w.observe(head(slot, who), account: "ourbp") }
            XCTAssertEqual(w.missed(turn), r.missed, r.why)
        }
    }

    func testItKeepsAFewTurnsOfOurs() {
        var w = TurnWatch()
        for s in Int64(0)..<200 { w.observe(head(s, "ourbp"), account: "ourbp") }
        XCTAssertEqual(w.ours.count, TurnWatch.kept)
        XCTAssertEqual(w.ours.first, 200 - Int64(TurnWatch.kept))
        w.observe(head(199, "ourbp"), account: "ourbp")
        XCTAssertEqual(w.ours.count, TurnWatch.kept, "the same head twice is one block")
    }
}
