// Fake probes: the real checks and guard driven through a timeline of
// (seconds, node bytes), the probes answering what each step says, and the
// readings and events collected. For the rules' tests, which need no files.
import XCTest
@testable import NodeGuardKit

let GiB: UInt64 = 1 << 30
let MiB: UInt64 = 1 << 20

/// A host with 2 GiB of RAM.
func hostMemory(available: UInt64 = GiB) -> HostMemory {
    HostMemory(total: 2 * GiB, available: available, availableEstimated: false, swapTotal: 0, swapFree: 0, pressureSome10: nil, pressureFull10: nil)
}

/// A node using `bytes` of anonymous memory; nil: not running.
func nodeSample(_ bytes: UInt64?, health: String? = nil) -> NodeSample {
    NodeSample(memory: bytes.map { .success(NodeMemory(anonBytes: $0, source: "test")) } ?? .failure(ProbeError("unit dmo.service has no cgroup", notRunning: true)),
               health: health)
}

func disk(freeShare: Double, inodes: Double = 0.5, total: UInt64 = 50_000_000_000) -> DiskUsage {
    DiskUsage(path: "/", totalBytes: total, freeBytes: UInt64(Double(total) * freeShare), totalInodes: 1000, freeInodes: UInt64(1000 * inodes))
}

/// One node, dmo (dmo.service), restarted above 1200 MiB for 60 s, 2 per hour.
func nodeConfig(_ extra: (inout Config) -> Void = { _ in }) -> Config {
    var c = Config()
    var n = NodeConfig(name: "dmo")
    n.unit = "dmo.service"
    n.grace = 600
    n.maxRestarts = 2
    n.restartWindow = 3600
    c.nodes = [n]
    c.memory.warnAbove = .bytes(GiB)
    c.memory.restartAbove = .bytes(1200 * MiB)
    c.memory.sustained = 60
    extra(&c)
    return c
}

/// One cycle of the guard: what it said, showed and restarted.
struct Step {
    var events: [Event]
    var readings: [Reading]
    var restart: RestartRequest?
    var checks: [CheckView] { readings.map(ReadingText.view) }
}

/// What the fake probes answer this cycle.
final class FakeHost {
    var host: Result<HostMemory, ProbeError> = .success(hostMemory())
    var disk: DiskUsage?
    var node = nodeSample(nil)
    /// The disk as measured again after reclaiming, if it changed.
    var afterReclaim: DiskUsage?
    var diskReads = 0
}

/// Drives the real checks through a timeline of (seconds, node bytes), one
/// whole guard cycle each (dry run, so restarts are decided and counted but
/// nothing is run), with the probes answering from `fake`.
struct Timeline {
    let guardian: Guard
    let fake = FakeHost()
    var t0 = 1_000_000.0
    var events: [(Double, Event)] = []
    var restarts: [Double] = []
    var policy: RestartPolicy { guardian.nodes.first?.actuator.policy ?? RestartPolicy(grace: 0, maxRestarts: 0, window: 0) }

    init(_ c: Config) {
        var c = c
        c.bandwidth.enabled = false
        c.dockerLogs.enabled = false
        if c.disk.paths.isEmpty || c.disk.paths == DiskConfig().paths { c.disk.paths = ["/"] }
        guardian = Guard(config: c, root: HostRoot(tempDir()), forceDryRun: true, emit: { _ in })
        let fake = self.fake
        guardian.check(HostMemoryCheck.self)?.probe = { fake.host }
        for d in guardian.checks.compactMap({ $0 as? DiskCheck }) {
            d.probe = {
                fake.diskReads += 1
                if fake.diskReads > 1, let again = fake.afterReclaim { return .success(again) }
                return .success(fake.disk ?? disk(freeShare: 0.5))
            }
        }
        for n in guardian.nodes { n.read = { _, _ in fake.node } }
    }

    mutating func at(_ t: Double, node bytes: UInt64?, available: UInt64 = GiB, disk: DiskUsage? = nil, health: String? = nil,
                     afterReclaim: DiskUsage? = nil) -> Step {
        fake.host = .success(hostMemory(available: available))
        fake.node = nodeSample(bytes, health: health)
        fake.disk = disk
        fake.afterReclaim = afterReclaim
        fake.diskReads = 0
        let sink = Collect()
        guardian.sinks = [sink]
        guardian.runCycle(now: Now(monotonic: t, wall: t0 + t))
        let said = sink.events
        for e in said { events.append((t, e)) }
        let restart = said.first { $0.kind == .restartDryRun }.map {
            RestartRequest(node: $0.field("NODE") ?? "", check: $0.field("CHECK") ?? "", value: $0.field("VALUE") ?? "",
                           threshold: $0.field("THRESHOLD") ?? "", reason: $0.message)
        }
        if restart != nil { restarts.append(t) }
        return Step(events: said.filter { $0.kind != .restartDryRun }, readings: sink.readings, restart: restart)
    }

    func kinds() -> [EventKind] { events.map(\.1.kind).filter { $0 != .restartDryRun } }
}
