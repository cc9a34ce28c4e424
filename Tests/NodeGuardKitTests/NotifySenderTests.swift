import XCTest
@testable import NodeGuardKit
@testable import NodeGuardNotify

/// The sender over a real outbox, with a command target standing in for a
/// server: its exit status is what the "server" answers (0 took it, 75 try
/// again later, 1 refused), and it records what it received, in order.
final class NotifySenderTests: XCTestCase {
    var dir = ""
    var now = 1_000_000.0
    var said: [Event] = []

    func setUp(answer: Int) -> Config {
        dir = tempDir()
        XCTAssertEqual(FileIO.writeAtomically(dir + "/answer", "\(answer)\n", durable: false), 0)
        var c = Config()
        c.stateDirectory = dir
        var t = NotifyTarget(name: "pager", kind: .command)
        t.command = ["/bin/sh", "-c", "cat >> \(dir)/received; echo >> \(dir)/received; echo \"$NODEGUARD_EVENT $NODEGUARD_NODE\" >> \(dir)/env; exit $(cat \(dir)/answer)"]
        t.giveUpAfter = 3600
        c.notify = [t]
        return c
    }

    func answer(_ code: Int) { XCTAssertEqual(FileIO.writeAtomically(dir + "/answer", "\(code)\n", durable: false), 0) }

    func queue(_ c: Config, _ events: [Event]) {
        var outbox = Outbox(stateDirectory: c.stateDirectory)
        XCTAssertEqual(outbox.prepare(), 0)
        for e in events {
            XCTAssertEqual(outbox.enqueue(OutboxMessage(target: "pager", host: "vps1", created: now, items: [NotifyItem(.event, e, time: now)])), 0)
        }
    }

    func send(_ c: Config) {
        let s = Sender(config: c, emit: { self.said.append($0) }, clock: { self.now })
        s.shortWait = 0
        XCTAssertTrue(s.run())
    }

    func received() -> [String] {
        (FileIO.readText(dir + "/received") ?? "").split(separator: "\n").compactMap { (try? JSON.parse(String($0)))?["event"]?.string }
    }

    func testMessagesGoInOrderAndLeaveTheOutbox() {
        let c = setUp(answer: 0)
        queue(c, [NotifyPolicyTests.down, NotifyPolicyTests.restart, NotifyPolicyTests.up])
        send(c)
        XCTAssertEqual(received(), ["node_down", "restart", "node_up"])
        XCTAssertEqual(FileIO.readText(dir + "/env"), "node_down dmo\nrestart dmo\nnode_up dmo\n")
        XCTAssertTrue(Outbox(stateDirectory: dir).queued().isEmpty)
        XCTAssertFalse(FileIO.exists(dir + "/notify/next"), "nothing waits")
    }

    func testAFailureIsRetriedInOrderSaidOnceAndDeliveredOnce() {
        let c = setUp(answer: 75)
        queue(c, [NotifyPolicyTests.down, NotifyPolicyTests.restart])
        send(c)
        XCTAssertEqual(received(), ["node_down"], "the second waits behind the first")
        XCTAssertEqual(Outbox.nextTry(stateDirectory: dir), now + 10)
        now += 5
        send(c)
        XCTAssertEqual(received(), ["node_down"], "not before its retry")
        now += 5
        send(c)
        XCTAssertEqual(received(), ["node_down", "node_down"])
        XCTAssertEqual(Outbox.nextTry(stateDirectory: dir), now + 20, "the wait doubles")
        answer(0)
        now += 20
        send(c)
        XCTAssertEqual(received(), ["node_down", "node_down", "node_down", "restart"])
        XCTAssertEqual(said.map(\.kind), [.notifyDelayed, .recovered], "one line for the outage, one when it ends")
        XCTAssertTrue(Outbox(stateDirectory: dir).queued().isEmpty)
    }

    func testARefusalIsSaidOnceAndNotRetried() {
        let c = setUp(answer: 1)
        queue(c, [NotifyPolicyTests.down, NotifyPolicyTests.restart])
        send(c)
        XCTAssertEqual(received(), ["node_down", "restart"])
        XCTAssertEqual(said.map(\.kind), [.notifyRefused])
        XCTAssertTrue(said[0].message.hasPrefix("pager refused a message: /bin/sh exited with status 1; not retried."), said[0].message)
        XCTAssertTrue(Outbox(stateDirectory: dir).queued().isEmpty)
    }

    func testGivenUpAfterGiveUpAfterAndDroppedWhenTheTargetIsGone() {
        let c = setUp(answer: 75)
        queue(c, [NotifyPolicyTests.down])
        send(c)
        now += 3600
        send(c)
        XCTAssertEqual(said.map(\.kind), [.notifyDelayed, .notifyDropped])
        XCTAssertTrue(said[1].message.contains("node_down: node dmo (dmo.service) is not running"), said[1].message)
        queue(c, [NotifyPolicyTests.up])
        var gone = c
        gone.notify = []
        send(gone)
        XCTAssertEqual(said.last?.message, "dropped a message to pager (node_up: node dmo (dmo.service) runs again): its target `pager` is no longer in the config".replacingOccurrences(of: " (node_up: node dmo (dmo.service) runs again)", with: ""))
        XCTAssertTrue(Outbox(stateDirectory: dir).queued().isEmpty)
    }

    func testOneSenderAtATime() {
        let c = setUp(answer: 0)
        FileIO.makeDirectories(dir + "/notify")
        let lock = open(dir + "/notify/lock", O_RDWR | O_CREAT, 0o600)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)
        XCTAssertFalse(Sender(config: c, emit: { _ in }).run())
        close(lock)
    }
}
