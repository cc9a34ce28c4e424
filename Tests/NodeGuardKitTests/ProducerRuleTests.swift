// The one rule of a producer group on a table: member states in, steps out.
import XCTest
@testable import NodeGuardKit

final class ProducerRuleTests: XCTestCase {
    typealias M = MemberState

    func testAtMostOneMemberProducing() {
        let now = 100.0
        let rows: [(why: String, members: [M], active: String?, confirmedAt: Double, steps: [ProducerStep])] = [
            ("the other paused by nodeguard: a resumes", [M("a"), M("b")], "a", 90, [.resume("a")]),
            ("a block interval after the last pause first", [M("a"), M("b")], "a", 99.8,
             [.hold("a", why: "one block interval after the last pause")]),
            ("a pause nodeguard did not cause is not trusted", [M("a"), M("b", pausedByUs: false)], "a", 90,
             [.pause("b"), .hold("a", why: "waiting until b is confirmed paused or stopped")]),
            ("both unpaused at start: b paused, a goes on producing (nothing to resume)", [M("a", paused: false, pausedByUs: false), M("b", paused: false, pausedByUs: false)], "a", 0,
             [.pause("b")]),
            ("b's API silent, within fence_after: asked again", [M("a"), M("b", paused: nil, pausedByUs: false, unconfirmedSince: 95)], "a", 0,
             [.pause("b"), .hold("a", why: "waiting until b is confirmed paused or stopped")]),
            ("b's API silent past fence_after: fenced", [M("a"), M("b", paused: nil, pausedByUs: false, unconfirmedSince: 90)], "a", 0,
             [.fence("b", why: "its producer API has not answered for 10s"), .hold("a", why: "waiting until b is confirmed paused or stopped")]),
            ("a already produces: b's silent API is asked again, not fenced", [M("a", paused: false, pausedByUs: false), M("b", paused: nil, pausedByUs: false, unconfirmedSince: 50)], "a", 0,
             [.pause("b")]),
            ("b answers ok but reads unpaused: fenced", [M("a"), M("b", paused: false, unconfirmedSince: 88)], "a", 0,
             [.fence("b", why: "it has not confirmed a pause for 12s"), .hold("a", why: "waiting until b is confirmed paused or stopped")]),
            ("b signs while paused: fenced at once", [M("a"), M("b", ignoresPause: true)], "a", 0,
             [.fence("b", why: "it signs our blocks while it should be paused"), .hold("a", why: "waiting until b is confirmed paused or stopped")]),
            ("b's process gone: a resumes", [M("a"), M("b", process: .gone, paused: nil, pausedByUs: false)], "a", 0, [.resume("a")]),
            ("a already produces alone: nothing", [M("a", paused: false, pausedByUs: false), M("b")], "a", 0, []),
            ("none may produce (operator's pause): every member paused, none resumed",
             [M("a", paused: false, pausedByUs: false), M("b", pausedByUs: false)], nil, 0, [.pause("a"), .pause("b")]),
            ("three members, two waiting", [M("a"), M("b", pausedByUs: false), M("c", paused: nil, pausedByUs: false, unconfirmedSince: 99)], "a", 0,
             [.pause("b"), .pause("c"), .hold("a", why: "waiting until b, c are confirmed paused or stopped")]),
        ]
        for r in rows {
            XCTAssertEqual(ProducerRule.steps(r.members, active: r.active, now: now, pausesConfirmedAt: r.confirmedAt, fenceAfter: 10), r.steps, r.why)
        }
        // Found producing at start while the other cannot be confirmed: that one is fenced, as before a resume.
        XCTAssertEqual(ProducerRule.steps([M("a", paused: false, pausedByUs: false), M("b", paused: nil, pausedByUs: false, unconfirmedSince: 85)], active: "a",
                                          now: now, pausesConfirmedAt: 0, fenceAfter: 10, established: false),
                       [.fence("b", why: "its producer API has not answered for 15s"), .hold("a", why: "waiting until b is confirmed paused or stopped")])
    }

    /// Across hosts, no member may produce here (the lease lost, or held by another host).
    func testWhenNoneMayProduceHereOnlyAMemberThatMayBeProducingIsFenced() {
        let now = 100.0
        let rows: [(why: String, members: [M], steps: [ProducerStep])] = [
            ("the lease lost while a produced, a's pause confirmed: nothing more", [M("a", producing: .no), M("b", producing: .no)], []),
            ("a seen producing, its pause not confirmed: fenced at once",
             [M("a", paused: nil, pausedByUs: false, unconfirmedSince: 100, producing: .seen)], [.fence("a", why: "its producer API has not answered for 0s")]),
            ("a still reads unpaused: fenced at once", [M("a", paused: false, pausedByUs: false, unconfirmedSince: 100, producing: .seen)],
             [.fence("a", why: "it has not confirmed a pause for 0s")]),
            ("a not known since nodeguard started, silent within fence_after: asked again",
             [M("a", paused: nil, pausedByUs: false, unconfirmedSince: 95, producing: .unknown)], [.pause("a")]),
            ("a not known since nodeguard started, silent past fence_after: fenced",
             [M("a", paused: nil, pausedByUs: false, unconfirmedSince: 90, producing: .unknown)], [.fence("a", why: "its producer API has not answered for 10s")]),
            ("a confirmed paused before, now silent (its nodeos restarting): asked again, never stopped",
             [M("a", paused: nil, pausedByUs: false, unconfirmedSince: 50, producing: .no)], [.pause("a")]),
        ]
        for r in rows {
            XCTAssertEqual(ProducerRule.steps(r.members, active: nil, now: now, pausesConfirmedAt: 0, fenceAfter: 10, stopping: true), r.steps, r.why)
        }
    }

    func testWhoShouldProduce() {
        let rows: [(why: String, members: [M], current: String?, chosen: String?)] = [
            ("the current one while healthy", [M("a"), M("b")], "b", "b"),
            ("no fail-back to the first", [M("a"), M("b")], "b", "b"),
            ("the current unhealthy: the first healthy in order", [M("a", healthy: false), M("b"), M("c")], "a", "b"),
            ("a standby lagging is not chosen", [M("a", process: .gone, healthy: false), M("b", healthy: false)], "a", nil),
            ("none yet: the first healthy", [M("a", healthy: false), M("b")], nil, "b"),
        ]
        for r in rows { XCTAssertEqual(ProducerRule.choose(r.members, current: r.current), r.chosen, r.why) }
    }
}
