// Pruning that keeps what it can and says it once: the head of an active log
// cut while a writer appends (nothing lost, nothing reordered), and a chatty
// container's prunes summarised once an hour.
import XCTest
import Foundation
@testable import NodeGuardKit

final class PruneDigestTests: XCTestCase {
    func testTheFirstPruneIsSaidThenOneSummaryAnHour() {
        var d = PruneDigest()
        XCTAssertTrue(d.record("a", freed: 10, now: 0))
        XCTAssertTrue(d.record("a", freed: 5, now: 0), "another step of the same scan is said too")
        XCTAssertFalse(d.record("a", freed: 10, now: 60))
        XCTAssertFalse(d.record("a", freed: 10, now: 120))
        XCTAssertTrue(d.record("b", freed: 1, now: 120), "each container on its own")
        XCTAssertTrue(d.due(now: 3599).isEmpty)
        let due = d.due(now: 3600)
        XCTAssertEqual(due.map(\.container), ["a"], "b was said at 120: its hour is not over")
        XCTAssertEqual(due.first?.tally.count, 2)
        XCTAssertEqual(due.first?.tally.freed, 20)
        // b said and quiet for an hour: forgotten, its next prune said in full.
        XCTAssertTrue(d.due(now: 3720).isEmpty)
        XCTAssertNil(d.tallies["b"])
        XCTAssertTrue(d.record("b", freed: 1, now: 4000))
        // a quiet for the hour after its summary: forgotten too.
        XCTAssertTrue(d.due(now: 7200).isEmpty)
        XCTAssertTrue(d.record("a", freed: 1, now: 7300))
    }

    /// A container pruned at every scan (every 6 s) for a day.
    func testAPathologicalContainerCostsAboutTwentyFiveEntriesADay() {
        var d = PruneDigest(), said = 0
        for t in stride(from: 0.0, to: 86400, by: 6) {
            if d.record("chatty", freed: 1, now: t) { said += 1 }
            said += d.due(now: t).count
        }
        XCTAssertLessThanOrEqual(said, 25)
        XCTAssertGreaterThanOrEqual(said, 24, "and still said every hour")
    }
}

final class LogCutTests: XCTestCase {
    let id = cid("d")
    var dir = "", log = ""

    override func setUp() {
        dir = tempDir() + "/containers"
        FileIO.makeDirectories(dir + "/" + id)
        log = dir + "/\(id)/\(id)-json.log"
    }

    func line(_ i: Int) -> String { "{\"log\":\"line \(i) \(String(repeating: "z", count: i % 97))\\n\",\"stream\":\"stdout\"}\n" }

    func cut(keep: UInt64) throws -> Pruned {
        var st = stat()
        stat(log, &st)
        let step = PruneStep(kind: .truncateActive, containerID: id, file: "\(id)-json.log", bytes: UInt64(st.st_size), reason: "t", keep: keep)
        return try LogPruner.apply(step, containersDir: dir).get()
    }

    /// Lines after the blanked partial line: each whole, consecutive, the last one last.
    func lineNumbers(_ text: String) -> [Int] {
        text.trimmingCharacters(in: .init(charactersIn: " ")).split(separator: "\n").map { l in
            Int(l.dropFirst("{\"log\":\"line ".count).prefix { $0 != " " }) ?? -1
        }
    }

    func testTheHeadIsCutAndTheTailKeptWholeLines() throws {
        let all = (0..<20000).map(line).joined()
        FileIO.writeAtomically(log, all, durable: false)
        let done = try cut(keep: 64 * KiB)
        XCTAssertNil(done.emptiedBecause)
        let text = try XCTUnwrap(FileIO.readText(log))
        XCTAssertEqual(UInt64(text.utf8.count), done.kept)
        XCTAssertGreaterThanOrEqual(done.kept, 64 * KiB)
        XCTAssertLessThan(done.kept, 64 * KiB + 4096, "cut by whole blocks")
        XCTAssertGreaterThan(done.freed, UInt64(all.utf8.count) - 70 * KiB)
        let n = lineNumbers(text)
        XCTAssertEqual(n.last, 19999)
        XCTAssertEqual(n, Array(n[0]...19999), "whole lines, in order, none lost")
        // What is left of the cut line is spaces and its newline, which Docker's reader skips.
        let head = text.prefix { $0 != "{" }
        XCTAssertTrue(head.dropLast().allSatisfy { $0 == " " } && head.last == "\n", String(head.prefix(40)))
    }

    /// A writer appends (O_APPEND, as dockerd) while the head is cut again
    /// and again: the file is always a run of consecutive lines ending with
    /// the last one written.
    func testCuttingWhileAWriterAppendsLosesAndReordersNothing() throws {
        FileIO.writeAtomically(log, "", durable: false)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        writer.arguments = ["-c", """
            import os
            fd = os.open(\(String(reflecting: log)), os.O_WRONLY | os.O_APPEND)
            for i in range(60000):
                os.write(fd, ('{"log":"line %d %s\\\\n","stream":"stdout"}\\n' % (i, "z" * (i % 97))).encode())
            """]
        try writer.run()
        var cuts = 0
        while writer.isRunning {
            var st = stat()
            if stat(log, &st) == 0, st.st_size > 96 * 1024, (try? cut(keep: 32 * KiB))?.kept ?? 0 > 0 { cuts += 1 }
            usleep(2000)
        }
        XCTAssertEqual(writer.terminationStatus, 0)
        XCTAssertGreaterThan(cuts, 3, "the premise: cut while it wrote")
        let n = lineNumbers(try XCTUnwrap(FileIO.readText(log)))
        XCTAssertEqual(n.last, 59999)
        XCTAssertEqual(n, Array(n[0]...59999), "consecutive lines: nothing lost or reordered after the cut")
    }

    /// A tmpfs cannot cut a file's head: the log is emptied, and the event says why.
    func testWhereTheFilesystemCannotCutTheLogIsEmptiedAndSaysWhy() throws {
        let shm = "/dev/shm/nodeguard-cut-\(getpid())"
        FileIO.makeDirectories(shm + "/" + id)
        defer { _ = CommandRunner.run(["/bin/rm", "-rf", shm], timeout: 10) }
        dir = shm; log = shm + "/\(id)/\(id)-json.log"
        FileIO.writeAtomically(log, (0..<5000).map(line).joined(), durable: false)
        let done = try cut(keep: 16 * KiB)
        XCTAssertEqual(done.kept, 0)
        XCTAssertTrue(done.emptiedBecause?.contains("cannot cut the head of a file") == true, done.emptiedBecause ?? "")
        XCTAssertEqual(FileIO.readText(log), "")
    }
}

extension LogCutTests {
    /// A container writing 100 KiB between scans over a 64 KiB limit, for two hours.
    func testAChattyContainerIsSaidOnceThenSummarisedHourly() throws {
        var c = Config()
        c.dockerLogs.containersDir = dir
        c.dockerLogs.maxPerContainer = 64 * KiB
        c.dockerLogs.scanInterval = 30
        c.statusFile = tempDir() + "/s.json"
        c.bandwidth.enabled = false
        FileIO.writeAtomically(dir + "/\(id)/config.v2.json", #"{"Name":"/chatty"}"#, durable: false)
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(fixture("cgroup-v2-vps")), emit: { events.append($0) })
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0o640)
        defer { close(fd) }
        var written = 0, largest: UInt64 = 0
        for t in stride(from: 0.0, through: 7200, by: 30) {
            let chunk = (written..<(written + 1000)).map(line).joined()
            written += 1000
            XCTAssertEqual(write(fd, chunk, chunk.utf8.count), chunk.utf8.count)
            var st = stat(); fstat(fd, &st); largest = max(largest, UInt64(st.st_size))
            g.runCycle(now: Now(monotonic: t, wall: 1_000_000 + t))
        }
        let pruned = events.filter { $0.kind == .logPruned }
        XCTAssertEqual(pruned.map { $0.field("ACTION") }, ["truncate", "summary", "summary"])
        XCTAssertTrue(pruned[0].message.contains("To stop this for container chatty (dddddddddddd), set log-opts"), pruned[0].message)
        XCTAssertTrue(pruned[1].message.hasPrefix("logs of container chatty (dddddddddddd) pruned 120 more times in the last 1h, "), pruned[1].message)
        XCTAssertEqual(pruned[1].field("COUNT"), "120", "the scans at 30 s to 3600 s")
        XCTAssertGreaterThan(UInt64(pruned[1].field("VALUE") ?? "") ?? 0, 120 * 85 * KiB)
        XCTAssertEqual(pruned[1].priority, .notice)
        // Between scans it went past the limit by one scan's writing at most.
        XCTAssertLessThan(largest, 32 * KiB + 4096 + 2 * UInt64((0..<1000).map(line).joined().utf8.count))
        let n = lineNumbers(try XCTUnwrap(FileIO.readText(log)))
        XCTAssertEqual(n, Array(n[0]..<written), "the tail kept, whole and in order")
        XCTAssertEqual(g.view.actions.count, 1, "recent actions: routine prunes folded into one line")
    }
}
