// Who signs our blocks while paused, from the heads the members show.
import XCTest
@testable import NodeGuardKit

final class SignerWatchTests: XCTestCase {
    func head(_ block: UInt64, _ producer: String, id: String, at time: Double = 1000) -> ProducerAPI.Head {
        ProducerAPI.Head(block: block, time: time, producer: producer, irreversible: 0, id: id)
    }

    func testTheChainIsTheEvidence() {
        var w = SignerWatch()
        w.observeProducing(head(100, "ourbp", id: "a100"))
        w.observeProducing(head(101, "ourbp", id: "a101"))
        let rows: [(why: String, head: ProducerAPI.Head, producingNow: Bool, pausedAt: Double?, signs: Bool)] = [
            ("the producer's own block, received: honest", head(101, "ourbp", id: "a101"), true, nil, false),
            ("another block of ours at a height the producer holds: a second signer", head(101, "ourbp", id: "b101"), true, nil, true),
            ("a height the producer's heads did not show: no evidence", head(102, "ourbp", id: "b102"), true, nil, false),
            ("another producer's block: nothing of ours", head(101, "otherbp", id: "x101"), true, nil, false),
            ("none should produce: a block of ours long after the pause", head(105, "ourbp", id: "b105", at: 1010), false, 1000, true),
            ("none should produce: the block in flight at the pause", head(105, "ourbp", id: "a105", at: 1000.5), false, 1000, false),
            ("none should produce, no pause confirmed yet: no evidence", head(105, "ourbp", id: "b105", at: 1010), false, nil, false),
        ]
        for r in rows {
            XCTAssertEqual(w.evidence(r.head, account: "ourbp", producingNow: r.producingNow, pausedAt: r.pausedAt) != nil, r.signs, r.why)
        }
    }

    func testItKeepsTheLastHeightsOnly() {
        var w = SignerWatch()
        for b in UInt64(0)..<100 { w.observeProducing(head(b, "ourbp", id: "a\(b)")) }
        XCTAssertEqual(w.producing.count, SignerWatch.kept)
        XCTAssertNil(w.producing[0])
        XCTAssertEqual(w.producing[99], "a99")
    }
}
