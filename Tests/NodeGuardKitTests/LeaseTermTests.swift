// A producer lease's arithmetic as its holder reckons it: the deadline from
// the send time of the last acknowledged renewal, renewals every third of
// the TTL, and the margin (the next cycle, an etcd call, the pause call, a
// block, drift).
import XCTest
@testable import NodeGuardKit

final class LeaseTermTests: XCTestCase {
    func testTheDeadlineComesBeforeEtcdCouldExpireTheLease() {
        XCTAssertEqual(LeaseTerm.margin(ttl: 10, every: 1), 4.51, accuracy: 1e-9, "1 s cycle + 1 s etcd call + 2 s pause call + 0.5 s block + 10 ms drift")
        // TTL 10 s at producer_every 1 s, granted at t=100 (the grant's send time): deadline 105.49.
        let rows: [(why: String, acks: [Double], sends: [Double], now: Double, expired: Bool, due: Bool)] = [
            ("just granted", [], [], 100, false, false),
            ("a third of the TTL later: renew", [], [], 103.34, false, true),
            ("renewed at 103.4, acknowledged", [103.4], [103.4], 105, false, false),
            ("a renewal sent but not acknowledged: the grant's send time counts", [], [103.4], 105.48, false, false),
            ("... until 100 + 10 - 4.51", [], [103.4], 105.49, true, false),
            ("an acknowledged renewal moves the deadline by its send time, not its answer's", [103.4], [103.4], 108.88, false, true),
            ("... to 103.4 + 5.49", [103.4], [103.4], 108.89, true, true),
            ("an old acknowledgement arriving late does not move it back", [106.8, 103.4], [103.4, 106.8], 112.28, false, true),
        ]
        for r in rows {
            var t = LeaseTerm(lease: 7, token: 42, ttl: 10, every: 1, grantSent: 100)
            for s in r.sends { t.lastSent = s }
            for a in r.acks { t.acknowledged(sentAt: a) }
            XCTAssertEqual(t.expired(at: r.now), r.expired, r.why)
            XCTAssertEqual(t.renewalDue(at: r.now), r.due, r.why)
            XCTAssertEqual(t.left(at: r.now), max(0, t.deadline - r.now), r.why)
        }
    }

    func testTheShortestTTLLeavesARenewalBeforeTheDeadline() {
        for every in [0.5, 1, 5, 60] {
            let ttl = LeaseTerm.shortestTTL(every: every)
            XCTAssertGreaterThanOrEqual(ttl - LeaseTerm.margin(ttl: ttl, every: every), ttl / 3, "producer_every \(every)")
            XCTAssertLessThan((ttl - 1) - LeaseTerm.margin(ttl: ttl - 1, every: every), (ttl - 1) / 3, "a second less does not: producer_every \(every)")
        }
        XCTAssertEqual(LeaseTerm.shortestTTL(every: 1), 7, "the default 10 s leaves room at producer_every 1 s")
    }
}
