import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

let KiB: UInt64 = 1024
func cid(_ c: Character) -> String { String(repeating: c, count: 64) }

final class LogPruningPolicyTests: XCTestCase {
    func logs(_ id: String, _ files: [(Int, UInt64, Double)]) -> ContainerLogs {
        ContainerLogs(id: id, files: files.map { LogFile(name: $0.0 == 0 ? "\(id)-json.log" : "\(id)-json.log.\($0.0)", bytes: $0.1, rotation: $0.0, modified: $0.2) })
    }

    func testRotationsGoFirstOldestFirstThenTheActiveLogAloneOverItsLimit() {
        let a = logs(cid("a"), [(0, 30, 100), (1, 40, 90), (2, 50, 80)])   // 120 > 100
        let steps = LogPruningPolicy.plan([a], maxPerContainer: 100, maxTotal: 0)
        XCTAssertEqual(steps.map(\.file), ["\(cid("a"))-json.log.2"], "the oldest rotation is enough")
        XCTAssertEqual(steps[0].kind, .deleteRotation)

        let b = logs(cid("b"), [(0, 150, 100), (1, 40, 90)])
        let s2 = LogPruningPolicy.plan([b], maxPerContainer: 100, maxTotal: 0)
        XCTAssertEqual(s2.map(\.kind), [.deleteRotation, .truncateActive])
        XCTAssertTrue(s2[1].reason.contains("the active log alone"))

        // Under the limit: nothing, and an active log is never deleted.
        XCTAssertEqual(LogPruningPolicy.plan([logs(cid("c"), [(0, 90, 1)])], maxPerContainer: 100, maxTotal: 0), [])
        XCTAssertFalse(LogPruningPolicy.plan([b], maxPerContainer: 10, maxTotal: 10).contains { $0.kind == .deleteRotation && $0.file.hasSuffix("-json.log") })
    }

    func testTotalLimitDeletesTheOldestRotationsAcrossContainers() {
        let a = logs(cid("a"), [(0, 50, 100), (1, 50, 10)])
        let b = logs(cid("b"), [(0, 50, 100), (1, 50, 5), (2, 50, 1)])
        let steps = LogPruningPolicy.plan([a, b], maxPerContainer: 0, maxTotal: 150)
        XCTAssertEqual(steps.map(\.file), ["\(cid("b"))-json.log.2", "\(cid("b"))-json.log.1"])
        XCTAssertTrue(steps.allSatisfy { $0.reason.contains("max_total") })
    }

    func testDiskCriticalDeletesEveryRotation() {
        let a = logs(cid("a"), [(0, 10, 100), (1, 10, 10), (2, 10, 5)])
        XCTAssertEqual(LogPruningPolicy.plan([a], maxPerContainer: 1000, maxTotal: 0, allRotations: true).map(\.kind), [.deleteRotation, .deleteRotation])
    }

    func testRotationNames() {
        let id = cid("f")
        XCTAssertEqual(DockerLogsProbe.rotation(of: "\(id)-json.log", id: id), 0)
        XCTAssertEqual(DockerLogsProbe.rotation(of: "\(id)-json.log.3", id: id), 3)
        XCTAssertEqual(DockerLogsProbe.rotation(of: "\(id)-json.log.1.gz", id: id), 1)
        XCTAssertNil(DockerLogsProbe.rotation(of: "config.v2.json", id: id))
        XCTAssertNil(DockerLogsProbe.rotation(of: "\(id)-json.log.x", id: id))
        XCTAssertNil(DockerLogsProbe.rotation(of: "\(cid("e"))-json.log", id: id), "another container's name")
    }
}

/// Discovery and pruning on a containers directory built for the test,
/// with the traps a real one can hold.
final class DockerLogsTreeTests: XCTestCase {
    var top = "", dir = "", outside = ""

    func file(_ path: String, kib: Int) {
        FileIO.writeAtomically(path, String(repeating: "x", count: kib * 1024), durable: false)
    }

    override func setUp() {
        top = tempDir()
        dir = top + "/containers"
        outside = top + "/outside"
        FileIO.makeDirectories(outside)
        file(outside + "/precious.log", kib: 64)
        for c in ["a", "b"] { FileIO.makeDirectories(dir + "/" + cid(Character(c))) }
        let a = dir + "/" + cid("a"), b = dir + "/" + cid("b")
        file(a + "/\(cid("a"))-json.log", kib: 48)
        file(a + "/\(cid("a"))-json.log.1", kib: 32)
        file(a + "/\(cid("a"))-json.log.2.gz", kib: 16)
        file(a + "/config.v2.json", kib: 4)
        file(b + "/\(cid("b"))-json.log", kib: 200)
        // Traps: a rotation that is a symlink out of the tree, a container
        // directory that is a symlink, a stray directory that is no container.
        symlink(outside + "/precious.log", b + "/\(cid("b"))-json.log.1")
        symlink(outside, dir + "/" + cid("c"))
        FileIO.makeDirectories(dir + "/not-a-container")
        file(dir + "/not-a-container/x-json.log", kib: 4)
    }

    func testScanCountsOnlyRealLogFiles() throws {
        let logs = try DockerLogsProbe.scan(dir).get()
        XCTAssertEqual(logs.map(\.id), [cid("a"), cid("b")], "the symlinked container and the stray directory are skipped")
        XCTAssertEqual(logs[0].files.map(\.rotation), [0, 1, 2])
        XCTAssertEqual(logs[1].files.map(\.rotation), [0], "the symlinked rotation is not counted")
        XCTAssertGreaterThanOrEqual(logs[0].bytes, (48 + 32 + 16) * KiB)
    }

    /// The scan keeps closed rotations per container until its directory
    /// changes: a rotation by dockerd (renames, a new active log) is seen.
    func testCachedScanSeesRotations() throws {
        let cache = DockerLogsProbe.Cache()
        let a = dir + "/" + cid("a"), log = a + "/\(cid("a"))-json.log"
        XCTAssertEqual(try DockerLogsProbe.scan(dir, cache: cache).get()[0].files.map(\.rotation), [0, 1, 2])
        unlink(a + "/\(cid("a"))-json.log.2.gz")
        rename(log + ".1", log + ".2")
        rename(log, log + ".1")
        file(log, kib: 4)
        let after = try DockerLogsProbe.scan(dir, cache: cache).get()[0]
        XCTAssertEqual(after.files.map(\.rotation), [0, 1, 2])
        XCTAssertEqual(after.files.map(\.bytes), [4 * KiB, 48 * KiB, 32 * KiB])
        // Unchanged: the same answer again, from the cache.
        XCTAssertEqual(try DockerLogsProbe.scan(dir, cache: cache).get()[0], after)
    }

    func testPruningFreesSpaceAndNeverLeavesTheTree() throws {
        let logs = try DockerLogsProbe.scan(dir).get()
        let steps = LogPruningPolicy.plan(logs, maxPerContainer: 64 * KiB, maxTotal: 0)
        XCTAssertEqual(steps.map(\.kind), [.deleteRotation, .deleteRotation, .truncateActive])
        for s in steps { XCTAssertNoThrow(try LogPruner.apply(s, containersDir: dir).get()) }
        let after = try DockerLogsProbe.scan(dir).get()
        XCTAssertEqual(after[0].files.map(\.rotation), [0])
        XCTAssertEqual(after[1].files.first?.bytes, 32 * KiB, "cut in place: the last half of the limit kept (ext4 cuts a file's head)")
        XCTAssertTrue(FileIO.exists(dir + "/\(cid("b"))/\(cid("b"))-json.log"), "the active log still exists")
        XCTAssertEqual(FileIO.readText(outside + "/precious.log")?.count, 64 * 1024, "nothing outside the tree touched")
    }

    func testSymlinkTrapsAreRefused() {
        let viaLink = PruneStep(kind: .deleteRotation, containerID: cid("b"), file: "\(cid("b"))-json.log.1", bytes: 0, reason: "t")
        guard case .failure(let e) = LogPruner.apply(viaLink, containersDir: dir) else { return XCTFail("deleted through a symlink") }
        XCTAssertTrue(e.message.contains("not a regular file"), e.message)
        XCTAssertTrue(FileIO.exists(outside + "/precious.log"))

        let linkedDir = PruneStep(kind: .truncateActive, containerID: cid("c"), file: "\(cid("c"))-json.log", bytes: 0, reason: "t")
        file(outside + "/\(cid("c"))-json.log", kib: 8)
        guard case .failure = LogPruner.apply(linkedDir, containersDir: dir) else { return XCTFail("followed a symlinked container directory") }
        XCTAssertEqual(FileIO.readText(outside + "/\(cid("c"))-json.log")?.count, 8 * 1024)

        let active = PruneStep(kind: .deleteRotation, containerID: cid("a"), file: "\(cid("a"))-json.log", bytes: 0, reason: "t")
        guard case .failure(let e2) = LogPruner.apply(active, containersDir: dir) else { return XCTFail("deleted an active log") }
        XCTAssertTrue(e2.message.hasPrefix("refusing to prune"), e2.message)

        let escape = PruneStep(kind: .deleteRotation, containerID: "../outside", file: "precious.log", bytes: 0, reason: "t")
        guard case .failure = LogPruner.apply(escape, containersDir: dir) else { return XCTFail("left the tree") }
    }

    func testFilesThatVanishMidWayAreSkipped() throws {
        let logs = try DockerLogsProbe.scan(dir).get()
        let steps = LogPruningPolicy.plan(logs, maxPerContainer: 1, maxTotal: 0)
        // The container is removed between the scan and the prune.
        for f in FileIO.list(dir + "/" + cid("a")) { unlink(dir + "/" + cid("a") + "/" + f) }
        rmdir(dir + "/" + cid("a"))
        for s in steps where s.containerID == cid("a") {
            guard case .failure = LogPruner.apply(s, containersDir: dir) else { return XCTFail("pruned a vanished file") }
        }
        XCTAssertEqual(try DockerLogsProbe.scan(dir).get().map(\.id), [cid("b")])
    }

    /// A cycle on this tree with a 64 KiB limit a container.
    func logsConfig() -> Config {
        var c = Config()
        c.dockerLogs.containersDir = dir
        c.dockerLogs.maxPerContainer = 64 * KiB
        c.statusFile = top + "/s.json"
        c.bandwidth.enabled = false
        return c
    }

    func testGuardPrunesOverTheLimitsAndSaysSo() {
        var events: [Event] = []
        let g = Guard(config: logsConfig(), root: HostRoot(fixture("cgroup-v2-vps")), emit: { events.append($0) })
        let counted = TallySink()
        g.sinks.append(counted)
        g.runCycle()
        let pruned = events.filter { $0.kind == .logPruned }
        XCTAssertEqual(pruned.count, 3)
        XCTAssertEqual(counted.tallies, pruned.map { .freed(DockerLogsCheck.freed, bytes: UInt64($0.field("VALUE") ?? "") ?? 0) },
                       "the metrics count what each prune freed")
        let truncate = pruned.first { $0.field("ACTION") == "truncate" }
        XCTAssertTrue(truncate?.message.contains("/\(cid("b"))-json.log, its last 32 KiB kept, 168 KiB freed: the active log alone (200 KiB) is over max_per_container (64 KiB); `docker logs -f` followers keep their old offset and must reconnect.") == true, truncate?.message ?? "")
        XCTAssertEqual(UInt64(truncate?.field("VALUE") ?? ""), (200 - 32) * KiB)
        XCTAssertEqual(g.view.checks.first { $0.check == "docker_logs" }?.state, .ok)
    }

    func testDryRunPrunesNothing() throws {
        var events: [Event] = []
        let before = try DockerLogsProbe.scan(dir).get()
        let g = Guard(config: logsConfig(), root: HostRoot(fixture("cgroup-v2-vps")), forceDryRun: true, emit: { events.append($0) })
        let counted = TallySink()
        g.sinks.append(counted)
        g.runCycle()
        XCTAssertEqual(counted.tallies, [], "a dry run frees nothing")
        XCTAssertEqual(events.filter { $0.kind == .logPruned }.map { $0.field("ACTION") ?? "" }, ["would-delete-rotation", "would-delete-rotation", "would-truncate"])
        XCTAssertEqual(try DockerLogsProbe.scan(dir).get(), before)
    }
}
