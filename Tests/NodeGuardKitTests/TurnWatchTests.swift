// Whether our account missed its turn, from the heads one member showed, and
// its blocks counted exactly from the blocks just below a later head.
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

    /// A chain where block numbers run on from 5000 at slot 1_000_000, a
    /// missed slot taking no number: the blocks of `slots`, signed as `who` says.
    func chain(_ slots: [Int64], _ who: (Int64) -> String) -> [UInt64: ProducerAPI.Block] {
        var out: [UInt64: ProducerAPI.Block] = [:]
        for (i, s) in slots.enumerated() { out[5000 + UInt64(i)] = ProducerAPI.Block(number: 5000 + UInt64(i), slot: s, producer: who(s)) }
        return out
    }

    func testATurnsBlocksAreCountedFromTheBlocksBelowALaterHead() {
        let turn: Range<Int64> = 1_000_008..<1_000_020
        let who = { (s: Int64) in turn.contains(s) ? "ourbp" : s < turn.lowerBound ? "prevbp" : "nextbp" }
        let rows: [(why: String, missing: Set<Int64>, headSlot: Int64, missed: Int?)] = [
            ("every block of ours signed", [], 1_000_021, 0),
            ("the head just past the turn", [], 1_000_020, 0),
            ("the last 5 missed (a node killed mid-turn)", Set(1_000_015..<1_000_020), 1_000_022, 5),
            ("the whole turn missed", Set(turn), 1_000_022, 12),
            ("the first block missed (a handover late by one block)", [1_000_008], 1_000_021, 1),
            ("others missed slots too: not ours to count", [1_000_006, 1_000_020], 1_000_023, 0),
            ("the head inside the turn: not yet", [], 1_000_019, nil),
            ("the head too far past it", [], 1_000_008 + TurnWatch.mostBlocksRead + 1, nil),
        ]
        for r in rows {
            let blocks = chain(Array(Int64(999_990)...r.headSlot).filter { !r.missing.contains($0) }, who)
            let head = blocks.values.max { $0.number < $1.number }!
            let h = ProducerAPI.Head(block: head.number, time: Double(ProducerSchedule.start(ofSlot: head.slot)) / 1000, producer: head.producer, irreversible: 0)
            guard let numbers = TurnWatch.blocks(of: turn, below: h) else { XCTAssertNil(r.missed, r.why); continue }
            XCTAssertLessThan(blocks[numbers.lowerBound - 1]!.slot, turn.lowerBound, "\(r.why): the range starts before the turn")
            XCTAssertEqual(TurnWatch.missed(in: turn, account: "ourbp", blocks: numbers.map { blocks[$0] }), r.missed, r.why)
        }
    }

    func testTwoSignersOfOneSlotCountOnceAndOthersBlocksNotAtAll() {
        let turn: Range<Int64> = 24..<36
        let blocks: [ProducerAPI.Block?] = [ProducerAPI.Block(number: 1, slot: 24, producer: "ourbp"), ProducerAPI.Block(number: 2, slot: 24, producer: "ourbp"),
                                            ProducerAPI.Block(number: 3, slot: 25, producer: "otherbp"), nil]
        XCTAssertEqual(TurnWatch.missed(in: turn, account: "ourbp", blocks: blocks), 11)
    }

    func testABlockFromGetBlockInfo() throws {
        let b = try ProducerAPI.block(try recordedReply("producer-replies/get-block-info.http")).get()
        XCTAssertEqual(b, ProducerAPI.Block(number: 312_345_667, slot: ProducerSchedule.slot(unixMs: 1_795_400_395_000), producer: "ourbp"))
        XCTAssertEqual(try ProducerAPI.block(try recordedReply("producer-replies/get-block-info-unknown.http")).get(), nil, "past the head: no block")
        guard case .failure(let e) = ProducerAPI.block(try recordedReply("producer-replies/pause-bad-body.http")) else { return XCTFail("an error is no block") }
        XCTAssertEqual(e.message, "HTTP 400: invalid http request")
        XCTAssertEqual(String(decoding: ProducerAPI.Call.block(42).body, as: UTF8.self), "{\"block_num\":42}")
        XCTAssertEqual(String(decoding: ProducerAPI.Call.pause.body, as: UTF8.self), "{}")
    }
}
