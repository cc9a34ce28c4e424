// A producer lease's arithmetic as its holder reckons it: the deadline from
// the send time of the last acknowledged renewal, renewals every third of
// the TTL, and the margin (a block, the pause call, drift).
import XCTest
@testable import NodeGuardKit

final class LeaseTermTests: XCTestCase {
    func testTheDeadlineComesBeforeEtcdCouldExpireTheLease() {
        XCTAssertEqual(LeaseTerm.margin(ttl: 10), 2.51, accuracy: 1e-9, "0.5 s block + 2 s pause call + 10 ms drift")
        // TTL 10 s, granted at t=100 (the grant's send time).
        let rows: [(why: String, acks: [Double], sends: [Double], now: Double, expired: Bool, due: Bool)] = [
            ("just granted", [], [], 100, false, false),
            ("a third of the TTL later: renew", [], [], 103.34, false, true),
            ("renewed at 103.4, acknowledged", [103.4], [103.4], 105, false, false),
            ("renewals sent but none acknowledged: the grant's send time counts", [], [103.4, 106.8], 107.48, false, false),
            ("... until 100 + 10 - 2.51", [], [103.4, 106.8], 107.49, true, false),
            ("an acknowledged renewal moves the deadline by its send time, not its answer's", [103.4], [103.4, 106.8], 110.88, false, true),
            ("... to 103.4 + 7.49", [103.4], [103.4, 106.8], 110.89, true, true),
            ("an old acknowledgement arriving late does not move it back", [106.8, 103.4], [103.4, 106.8], 114.28, false, true),
        ]
        for r in rows {
            var t = LeaseTerm(lease: 7, token: 42, ttl: 10, grantSent: 100)
            for s in r.sends { t.lastSent = s }
            for a in r.acks { t.acknowledged(sentAt: a) }
            XCTAssertEqual(t.expired(at: r.now), r.expired, r.why)
            XCTAssertEqual(t.renewalDue(at: r.now), r.due, r.why)
            XCTAssertEqual(t.left(at: r.now), max(0, t.deadline - r.now), r.why)
        }
    }

    func testTheShortestTTLStillLeavesTwoRenewals() {
        let ttl = LeaseTerm.shortestTTL
        XCTAssertGreaterThan(ttl - LeaseTerm.margin(ttl: ttl), 2 * ttl / 3, "two renewals a third of the TTL apart fit before the deadline")
    }
}
