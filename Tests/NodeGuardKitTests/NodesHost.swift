// A host of units on a fixture tree, and a guard over it whose nodes are
// "restarted" by touching a file: for tests that run whole cycles.
import XCTest
@testable import NodeGuardKit

protocol NodesHost: XCTestCase {}

extension NodesHost {
    /// A host of 2 GiB with the units of `anon` (name -> bytes) in cgroup v2.
    func makeRoot(_ anon: [String: UInt64], available: UInt64 = GiB) -> String {
        let dir = tempDir()
        FileIO.makeDirectories(dir + "/proc")
        FileIO.makeDirectories(dir + "/sys/fs/cgroup")
        FileIO.writeAtomically(dir + "/sys/fs/cgroup/cgroup.controllers", "memory\n", durable: false)
        setAvailable(dir, available)
        for (name, bytes) in anon { setAnon(dir, name, bytes) }
        return dir
    }
    func setAvailable(_ dir: String, _ bytes: UInt64) {
        FileIO.writeAtomically(dir + "/proc/meminfo", "MemTotal: 2097152 kB\nMemAvailable: \(bytes / 1024) kB\n", durable: false)
    }
    func setAnon(_ dir: String, _ unit: String, _ bytes: UInt64) {
        FileIO.makeDirectories(dir + "/sys/fs/cgroup/system.slice/\(unit).service")
        FileIO.writeAtomically(dir + "/sys/fs/cgroup/system.slice/\(unit).service/memory.stat", "anon \(bytes)\n", durable: false)
    }

    /// Nodes restarted by touching root/restarted-NAME.
    func guardFor(_ root: String, _ text: String) -> (Guard, () -> [Event]) {
        guard case .success(var c) = decode(text) else { XCTFail("config: \(text)"); return (Guard(config: Config(), emit: { _ in }), { [] }) }
        for i in c.nodes.indices { c.nodes[i].restartCommand = ["/bin/touch", root + "/restarted-" + c.nodes[i].name] }
        c.stateDirectory = root + "/state"
        c.statusFile = root + "/run/status.json"
        c.bandwidth.enabled = false
        c.dockerLogs.enabled = false
        var events: [Event] = []
        let g = Guard(config: c, root: HostRoot(root), emit: { events.append($0) })
        return (g, { events })
    }

    func cycles(_ g: Guard, _ times: StrideThrough<Double>) { for t in times { g.runCycle(now: Now(monotonic: t, wall: 10_000 + t)) } }

    var twoNodes: String {
        """
        [memory]
        for = "20s"
        [node.dmo]
        unit = "dmo"
        restart_above = "1GiB"
        warn_above = "900MiB"
        grace = "30s"
        max_restarts = 2
        restart_window = "1h"
        [node.web]
        unit = "web"
        restart_above = "200MiB"
        warn_above = "150MiB"
        """
    }
}
