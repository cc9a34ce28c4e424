import XCTest
@testable import NodeGuardKit

/// The stall / down / grace / sync state machine on tables of samples: each
/// row is (seconds, what the RPC said), the expected findings and restart.
final class LivenessTests: XCTestCase {
    var settings: LivenessSettings {
        var c = LivenessConfig()
        c.dialect = .bitcoind
        c.stalledAfter = 600
        c.downAfter = 300
        c.startupGrace = 120
        c.isolatedAfter = 60
        return LivenessSettings(c, interval: 10)!
    }

    enum Said { case h(UInt64), sync(UInt64, known: UInt64), fail, creds, noCookie, none, peers(UInt64, Int), notRunning, started }

    /// Runs the rows; returns, per row, the findings and the restart asked.
    func run(_ rows: [(Double, Said)], _ s: LivenessSettings? = nil, reference: UInt64? = nil) -> [(Double, [LivenessFinding], LivenessProblem?)] {
        var l = Liveness()
        return rows.map { t, said in
            var input = LivenessInput(monotonic: t, running: true, referenceHeight: reference)
            switch said {
            case .h(let h): input.reply = .sample(ChainSample(height: h, peers: 8))
            case .sync(let h, let known): input.reply = .sample(ChainSample(height: h, known: known, syncing: true, peers: 8))
            case .peers(let h, let p): input.reply = .sample(ChainSample(height: h, peers: p))
            case .fail: input.reply = .failure(.unreachable("connection refused"))
            case .creds: input.reply = .failure(.credentials("the RPC refused the credentials (HTTP 401)"))
            case .noCookie: input.reply = .failure(.noCookie("cannot read the cookie /c: No such file or directory"))
            case .none: break
            case .notRunning: input.running = false
            case .started: input.started = true; input.reply = .sample(ChainSample(height: l.height, peers: 8))
            }
            let step = l.observe(input, s ?? settings)
            return (t, step.findings, step.restart)
        }
    }

    func restarts(_ r: [(Double, [LivenessFinding], LivenessProblem?)]) -> [Double] { r.compactMap { $0.2 == nil ? nil : $0.0 } }

    func testAHeightThatStopsIsAStallAfterStalledAfterAndNotBefore() {
        let r = run([(0, .h(100)), (200, .h(101)), (700, .h(101)), (799, .h(101)), (800, .h(101)), (810, .h(101))])
        XCTAssertEqual(restarts(r), [800, 810], "unchanged since 200: 600 s later, asked again while it holds")
        XCTAssertEqual(r[4].1, [.stalled(height: 101, lasted: 600, reference: nil)])
        XCTAssertEqual(r[5].1, [], "said once")
    }

    func testInitialSyncNeverStallsWhileTheHeightOrTheHeadersAdvance() {
        // Height crawls, then only the header chain moves for a long time: no restart.
        var rows: [(Double, Said)] = []
        for i in 0..<200 { rows.append((Double(i) * 300, .sync(UInt64(i < 100 ? i : 100), known: UInt64(1000 + i)))) }
        XCTAssertEqual(restarts(run(rows)), [], "a day-long sync is never a stall")
        // Headers stop too: a stuck sync is a stall.
        let stuck = run([(0, .sync(5, known: 900)), (300, .sync(5, known: 900)), (600, .sync(5, known: 900))])
        XCTAssertEqual(restarts(stuck), [600])
    }

    func testNoAnswerForDownAfterIsDownAndTheAnswerRecovers() {
        // down_after counts from the last answer (0), not from the first failed call (200).
        let r = run([(0, .h(1)), (200, .fail), (299, .none), (310, .none), (400, .fail), (410, .fail), (520, .h(2))])
        XCTAssertEqual(restarts(r), [400, 410], "no answer since 0, down_after 300: the first failed call at or after 300 decides")
        XCTAssertEqual(r[3].1, [], "time passing without a call proves nothing")
        XCTAssertEqual(r[4].1, [.down(error: "connection refused", lasted: 400)])
        XCTAssertEqual(r[6].1, [.recovered(from: .down, after: 120, height: 2)])
    }

    /// The cases, with the timings users leave: rpc_every at its 30 s default.
    var shortLimits: LivenessSettings {
        var c = LivenessConfig()
        c.dialect = .bitcoind; c.stalledAfter = 20; c.downAfter = 20; c.startupGrace = 0
        return LivenessSettings(c, interval: 1)!
    }

    func testAHeightSeenOnceIsNoStallHoweverLongNoSecondSampleCame() {
        // 100 at 0, then only cycles without a reply: no decision at 20, 30 or 60.
        var rows: [(Double, Said)] = [(0, .h(100))]
        for t in stride(from: 1.0, through: 60, by: 1) { rows.append((t, .none)) }
        XCTAssertEqual(restarts(run(rows, shortLimits)), [])
        // A sample at 20 shows the height moved: still none.
        XCTAssertEqual(restarts(run([(0, .h(100)), (20, .h(105)), (30, .none), (40, .h(110))], shortLimits)), [])
        // Only a sample at or after 20 showing 100 again decides, and says how long it was seen.
        let r = run([(0, .h(100)), (19, .h(100)), (20, .h(100))], shortLimits)
        XCTAssertEqual(restarts(r), [20])
        XCTAssertEqual(r[2].1, [.stalled(height: 100, lasted: 20, reference: nil)])
    }

    func testARefusedFirstCallIsNoOutageUntilACallFailsDownAfterLater() {
        let r = run([(0, .fail), (15, .none), (19, .none), (20, .fail)], shortLimits)
        XCTAssertEqual(restarts(r), [20], "no second call by 15: nothing decided; the call at 20 fails: down")
        XCTAssertEqual(r[3].1, [.down(error: "connection refused", lasted: 20)])
        XCTAssertEqual(restarts(run([(0, .fail), (15, .none), (20, .h(3))], shortLimits)), [], "it answered in time")
    }

    func testADecisionFallsDueAtItsLimitNotAtTheNextRegularCall() {
        var l = Liveness()
        let s = shortLimits   // rpc_every 30 s, limits 20 s
        _ = l.observe(LivenessInput(monotonic: 0, running: true, reply: .sample(ChainSample(height: 100))), s)
        XCTAssertEqual(l.due(s), 20, "a stall could be decided 20 s after 100 was first read")
        _ = l.observe(LivenessInput(monotonic: 20, running: true, reply: .sample(ChainSample(height: 101))), s)
        XCTAssertEqual(l.due(s), 40)
        _ = l.observe(LivenessInput(monotonic: 25, running: true, reply: .failure(.unreachable("timed out")), replyAt: 22), s)
        XCTAssertEqual(l.due(s), 40, "no answer since 20: an outage could be decided at 40")
        var g = Liveness()
        var withGrace = LivenessConfig(); withGrace.dialect = .bitcoind; withGrace.stalledAfter = 20; withGrace.startupGrace = 120
        let gs = LivenessSettings(withGrace, interval: 1)!
        _ = g.observe(LivenessInput(monotonic: 0, running: true, reply: .sample(ChainSample(height: 1))), gs)
        XCTAssertEqual(g.due(gs), 120, "nothing is decided within the grace")
    }

    func testAFailureIsTimedByItsCallNotByWhenItCameBack() {
        // Last answer at 0; a call made at 10 times out at 25: it proves silence from 0 to 10 only.
        var l = Liveness()
        let s = shortLimits
        _ = l.observe(LivenessInput(monotonic: 0, running: true, reply: .sample(ChainSample(height: 1))), s)
        var step = l.observe(LivenessInput(monotonic: 25, running: true, reply: .failure(.unreachable("timed out")), replyAt: 10), s)
        XCTAssertNil(step.restart)
        step = l.observe(LivenessInput(monotonic: 35, running: true, reply: .failure(.unreachable("timed out")), replyAt: 20), s)
        XCTAssertEqual(step.restart, .down)
        XCTAssertEqual(step.findings, [.down(error: "timed out", lasted: 20)])
    }

    func testNothingIsRestartedWithinTheStartupGrace() {
        // Restarted at 1000: refused until 1100 (inside the 120 s grace), stalled clock starts again at the start.
        let r = run([(0, .h(7)), (1000, .started), (1010, .fail), (1100, .fail), (1119, .fail), (1310, .fail), (1320, .h(7)), (1930, .h(7))])
        XCTAssertEqual(restarts(r), [1310, 1930], "down only once 300 s of failures, not within the grace; the stall counts from the start")
        let first = run([(0, .fail), (119, .fail), (300, .fail)])
        XCTAssertEqual(restarts(first), [300], "nodeguard's own start counts as a start: the grace applies")
    }

    func testBadCredentialsAreSaidOnceAndNeverRestarted() {
        let r = run([(0, .h(1)), (10, .creds), (20, .creds), (2000, .creds), (2010, .h(2))])
        XCTAssertEqual(restarts(r), [])
        XCTAssertEqual(r[1].1, [.credentials("the RPC refused the credentials (HTTP 401)")])
        XCTAssertEqual(r[2].1, [])
        XCTAssertEqual(r[4].1, [.credentialsAccepted])
    }

    func testNoCookieIsQuietWhileTheNodeStartsAndACredentialsErrorAfter() {
        // bitcoind writes its cookie when its RPC starts: none yet is no error within the grace.
        let r = run([(0, .noCookie), (60, .noCookie), (110, .h(1)), (1000, .notRunning), (1010, .noCookie), (1200, .noCookie), (1210, .noCookie)])
        XCTAssertEqual(restarts(r), [])
        XCTAssertEqual(r[0].1, []); XCTAssertEqual(r[1].1, []); XCTAssertEqual(r[2].1, []); XCTAssertEqual(r[4].1, [])
        XCTAssertEqual(r[5].1, [.credentials("cannot read the cookie /c: No such file or directory")], "after the grace, once")
        XCTAssertEqual(r[6].1, [])
    }

    func testAStalledNodeThatMovesAgainRecoversWithTheTimeItTook() {
        let r = run([(0, .h(5)), (600, .h(5)), (610, .started), (900, .h(5)), (1000, .h(9))])
        XCTAssertEqual(restarts(r), [600])
        XCTAssertEqual(r[4].1, [.recovered(from: .stalled, after: 400, height: 9)])
    }

    func testANodeNotRunningIsNotJudgedAndItsClocksStartAgain() {
        let r = run([(0, .h(5)), (500, .notRunning), (900, .notRunning), (910, .h(5)), (1400, .h(5)), (1510, .h(5))])
        XCTAssertEqual(restarts(r), [1510], "the stall counts from when it runs again")
    }

    func testNoPeersIsAWarningOnceAndItsEndANotice() {
        let r = run([(0, .peers(5, 3)), (200, .peers(5, 0)), (259, .peers(6, 0)), (260, .peers(7, 0)), (300, .peers(8, 0)), (310, .peers(9, 2))])
        XCTAssertEqual(r.map(\.1), [[], [], [], [.isolated(lasted: 60)], [], [.connected(peers: 2)]])
        XCTAssertEqual(restarts(r), [])
    }

    func testBehindItsReferenceWarnsThenRestartsUnlessCatchingUp() {
        var c = LivenessConfig()
        c.dialect = .bitcoind; c.behindBy = 10; c.reference = "a"; c.behindFor = 300; c.startupGrace = 0; c.stalledAfter = 7200
        let s = LivenessSettings(c, interval: 10)!
        let stuck = run([(0, .h(100)), (10, .h(101)), (310, .h(101)), (320, .h(101))], s, reference: 150)
        XCTAssertEqual(stuck[0].1, [.behind(lag: 50, reference: 150)])
        XCTAssertEqual(restarts(stuck), [310, 320], "49 behind since 10, not catching up: restart after 300 s")
        let catching = run([(0, .h(100)), (200, .h(120)), (400, .h(130)), (600, .h(140))], s, reference: 150)
        XCTAssertEqual(restarts(catching), [], "the lag shrinks: catching up")
        XCTAssertEqual(catching[3].1, [], "10 behind is still behind_by: not yet caught up")
        let caught = run([(0, .h(100)), (100, .h(145))], s, reference: 150)
        XCTAssertEqual(caught[1].1, [.caughtUp(lag: 5)])
    }
}
