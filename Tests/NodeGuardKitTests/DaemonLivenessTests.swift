import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

/// A status file never passes for a running daemon's when the daemon
/// stopped, died or hangs.
final class DaemonLivenessTests: XCTestCase {
    func view(updated: Double, interval: Double = 2, pid: Int32 = 42, stopped: Double? = nil) -> StatusView {
        var v = StatusView()
        v.updated = updated; v.interval = interval; v.pid = pid; v.stoppedAt = stopped
        return v
    }

    func testTheVerdictTable() {
        let alive: (Int32) -> Bool = { $0 == 42 }
        let rows: [(StatusView, DaemonLiveness, String)] = [
            (view(updated: 995), .running, "5 s old, every 2 s: fresh"),
            (view(updated: 994.1), .running, "5.9 s: within three intervals"),
            (view(updated: 993), .stale(age: 7), "7 s: more than three intervals"),
            (view(updated: 999, interval: 0.5), .running, "sub-second intervals count as one second"),
            (view(updated: 996.5, interval: 0.5), .stale(age: 3.5), ""),
            (view(updated: 999, pid: 7), .gone(pid: 7), "a fresh file of a process that is gone"),
            (view(updated: 999, stopped: 999.5), .stopped(at: 999.5), "marked on a clean stop"),
            (view(updated: 100, pid: 7, stopped: 120), .stopped(at: 120), "a clean stop says so, whatever else"),
        ]
        for (v, want, why) in rows {
            XCTAssertEqual(DaemonLiveness.judge(v, now: 1000, alive: alive), want, why)
        }
    }

    func testTheSentenceSaysNotRunningAndWhatToDo() {
        let v = view(updated: 900, stopped: 950)
        let s = DaemonLiveness.stopped(at: 950).sentence(v, now: 1000) ?? ""
        XCTAssertTrue(s.hasPrefix("nodeguard is not running: it stopped at "), s)
        XCTAssertTrue(s.contains("(1m 40s ago)") && s.hasSuffix("Start it with `systemctl start nodeguard`"), s)
        XCTAssertTrue(DaemonLiveness.gone(pid: 7).sentence(v, now: 1000)?.contains("process 7 is gone") ?? false)
        XCTAssertTrue(DaemonLiveness.stale(age: 9).sentence(view(updated: 991), now: 1000)?.contains("has not written its status for 9s (it does every 2s)") ?? false)
        XCTAssertNil(DaemonLiveness.running.sentence(v, now: 1000))
    }

    func testTheStopMarkSurvivesTheFile() throws {
        var v = view(updated: 900, stopped: 950.25)
        v.checks = [CheckView(check: "disk_free", target: "/", value: "1 GiB", state: .ok)]
        let back = try XCTUnwrap(StatusView(json: v.json()))
        XCTAssertEqual(back.stoppedAt, 950.25)
        XCTAssertNil(StatusView(json: view(updated: 1).json())?.stoppedAt)
    }

    func testTheDaemonMarksItsStatusFileOnAStop() throws {
        let path = tempDir() + "/status.json"
        let sink = StatusFileSink(path: path, pid: 42, emit: { _ in })
        sink.markStopped(at: 5)   // nothing published yet: nothing written
        XCTAssertFalse(FileIO.exists(path))
        sink.publish(CycleReport(now: Now.read(), events: [], readings: [], view: view(updated: 900)))
        XCTAssertNil(StatusView(json: try JSON.parse(XCTUnwrap(FileIO.readText(path))))?.stoppedAt)
        sink.markStopped(at: 950)
        let v = try XCTUnwrap(StatusView(json: try JSON.parse(XCTUnwrap(FileIO.readText(path)))))
        XCTAssertEqual(v.stoppedAt, 950)
        XCTAssertEqual(v.pid, 42)
        XCTAssertEqual(v.updated, 900, "the view stays the last one the daemon saw")
    }
}
