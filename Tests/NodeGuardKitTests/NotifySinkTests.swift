import XCTest
@testable import NodeGuardKit

/// The daemon's side of notifications: what is due lands in the outbox on
/// disk, an open batch and what a target was told survive a restart.
final class NotifySinkTests: XCTestCase {
    func setUp(batch: Double) -> (Config, String) {
        let dir = tempDir()
        var c = Config()
        c.stateDirectory = dir
        var t = NotifyTarget(name: "phone", kind: .ntfy)
        t.url = .file("/etc/nodeguard/ntfy.url")
        t.batch = batch
        c.notify = [t]
        return (c, dir)
    }

    func report(_ wall: Double, _ events: [Event], worst: CheckState = .ok) -> CycleReport {
        var view = StatusView()
        view.checks = [CheckView(check: "disk_free", target: "/", value: "", state: worst)]
        return CycleReport(now: Now(monotonic: wall, wall: wall), events: events, readings: [], view: view)
    }

    func messages(_ dir: String) -> [OutboxMessage] {
        Outbox(stateDirectory: dir).queued().compactMap { FileIO.readText(dir + "/outbox/" + $0.name).flatMap(OutboxMessage.parse) }
    }

    func testAnOpenBatchSurvivesAKillAndIsSentAfter() {
        let (c, dir) = setUp(batch: 30)
        var sink: NotifySink? = NotifySink(config: c, emit: { _ in })
        sink!.publish(report(1000, [NotifyPolicyTests.down]))
        XCTAssertTrue(messages(dir).isEmpty, "the batch is still open")
        XCTAssertTrue(FileIO.exists(dir + "/outbox/open/phone.json"))
        sink = nil  // kill -9: nothing more is written
        _ = NotifySink(config: c, emit: { _ in })
        let queued = messages(dir)
        XCTAssertEqual(queued.map { $0.items.map(\.event.kind) }, [[.nodeDown]])
        XCTAssertEqual(queued.first?.target, "phone")
        XCTAssertFalse(FileIO.exists(dir + "/outbox/open/phone.json"))
    }

    func testAReloadKeepsTheOpenBatchAndSendsItOnce() {
        // Events 4, 2 and 1 s before a reload, with the config unchanged and changed.
        for changed in [false, true] {
            let (c, dir) = setUp(batch: 30)
            let sink = NotifySink(config: c, emit: { _ in })
            sink.publish(report(1000, [NotifyPolicyTests.down]))
            sink.say([Event(.restartLimit, "not restarting dmo", fields: [("NODE", "dmo"), ("CHECK", "node_memory")])], now: 1002)
            sink.publish(report(1003, [Event(.probeFailed, "container dmo-node is missing", fields: [("NODE", "dmo"), ("CHECK", "node_running")])]))
            var new = c
            if changed { new.notify[0].batch = 20; new.notify[0].minPriority = .err }
            sink.update(new)
            sink.say([Event(.reloadRejected, "new configuration rejected", fields: [("ACTION", "reload")])], now: 1004)
            XCTAssertTrue(messages(dir).isEmpty, "the batch is still open")
            XCTAssertEqual(Outbox(stateDirectory: dir).openBatches().map { $0.items.count }, [4], "notify queue sees it")
            XCTAssertEqual(Outbox(stateDirectory: dir).openBatches().first?.created, 1000, "since the batch opened")
            sink.publish(report(1040, []))
            sink.publish(report(1080, [NotifyPolicyTests.down]))   // already said: not again
            let kinds = messages(dir).map { $0.items.map(\.event.kind) }
            XCTAssertEqual(kinds, [[.nodeDown, .restartLimit, .probeFailed, .reloadRejected]], "changed: \(changed)")
        }
    }

    func testWhatATargetWasToldSurvivesARestartSoItsRecoveryArrives() {
        let (c, dir) = setUp(batch: 0)
        let first = NotifySink(config: c, emit: { _ in })
        first.publish(report(1000, [NotifyPolicyTests.down]))
        let second = NotifySink(config: c, emit: { _ in })
        second.publish(report(1010, [NotifyPolicyTests.down]))  // a re-check after the restart: not news
        second.publish(report(1020, [NotifyPolicyTests.up]))
        XCTAssertEqual(messages(dir).map { $0.items.map(\.role) }, [[.event], [.recovery]])
        XCTAssertEqual(Outbox.parseName(Outbox(stateDirectory: dir).queued().last!.name)?.seq, 2, "numbers continue after a restart")
    }

    func testTheHeartbeatIsQueuedEveryPeriodAndAtOnceWhenACheckTurnsCritical() throws {
        var (c, dir) = setUp(batch: 0)
        c.heartbeat.url = .file("/etc/nodeguard/hb.url")
        c.heartbeat.failURL = .file("/etc/nodeguard/hb-fail.url")
        c.heartbeat.every = 300
        let sink = NotifySink(config: c, emit: { _ in })
        func ping() -> JSON? { FileIO.readText(dir + "/outbox/heartbeat.json").flatMap { try? JSON.parse($0) } }
        sink.publish(report(1000, []))
        XCTAssertEqual(ping()?["time"]?.number, 1000)
        XCTAssertEqual(ping()?["failing"]?.bool, false)
        sink.publish(report(1100, []))
        XCTAssertEqual(ping()?["time"]?.number, 1000, "not before every")
        sink.publish(report(1200, [], worst: .critical))
        XCTAssertEqual(ping()?["time"]?.number, 1200, "at once to the failure URL")
        XCTAssertEqual(ping()?["failing"]?.bool, true)
        sink.publish(report(1500, [], worst: .ok))
        XCTAssertEqual(ping()?["failing"]?.bool, false)
    }

    func testTheDaemonStartsTheSenderWhenItsRetryIsDue() {
        let (c, dir) = setUp(batch: 0)
        let sink = NotifySink(config: c, emit: { _ in })
        sink.publish(report(1000, [NotifyPolicyTests.down]))
        XCTAssertFalse(FileIO.exists(dir + "/outbox/kick"), "the new message itself starts the sender")
        XCTAssertEqual(FileIO.writeAtomically(dir + "/notify/next", "1100.0\n", durable: false), 0)  // the sender failed, retries at 1100
        sink.publish(report(1020, []))
        XCTAssertFalse(FileIO.exists(dir + "/outbox/kick"))
        sink.publish(report(1100, []))
        XCTAssertTrue(FileIO.exists(dir + "/outbox/kick"))
        unlink(dir + "/outbox/kick")
        for q in Outbox(stateDirectory: dir).queued() { unlink(dir + "/outbox/" + q.name) }  // delivered
        sink.publish(report(1200, []))
        sink.publish(report(1300, []))
        XCTAssertFalse(FileIO.exists(dir + "/outbox/kick"), "nothing waits: no kick")
    }

    func testMessagesRoundTripThroughTheirFile() {
        let m = OutboxMessage(target: "phone", host: "vps1", created: 1000.5,
                              items: [NotifyItem(.event, NotifyPolicyTests.restart, time: 999), NotifyItem(.recovery, NotifyPolicyTests.diskOK, time: 1000)])
        XCTAssertEqual(OutboxMessage.parse(m.json.serialized()), m)
        XCTAssertEqual(Outbox.messageName(seq: 42, target: "a.b"), "0000000000000042.a.b.json")
        XCTAssertEqual(Outbox.parseName("0000000000000042.a.b.json")?.target, "a.b")
        XCTAssertNil(Outbox.parseName("kick"))
    }
}
