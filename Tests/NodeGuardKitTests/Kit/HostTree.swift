// The fake host of the tests that run whole cycles: a tree of files under a
// temp directory that the real probes read (2 GiB of RAM, systemd units in
// cgroup v2 with their memory, eth0 carrying the default route with its
// counters), and a guard over it whose nodes are "restarted" by touching a file.
import XCTest
@testable import NodeGuardKit

protocol HostTree: XCTestCase {}

extension HostTree {
    /// A host of 2 GiB with the units of `anon` (name -> bytes) in cgroup v2,
    /// `available` of it free, and eth0 with its counters at 0.
    func makeRoot(_ anon: [String: UInt64] = [:], available: UInt64 = GiB) -> String {
        let dir = tempDir()
        for d in ["/proc/net", "/proc/sys/kernel/random", "/sys/class/net/eth0", "/sys/fs/cgroup"] { FileIO.makeDirectories(dir + d) }
        FileIO.writeAtomically(dir + "/sys/fs/cgroup/cgroup.controllers", "memory\n", durable: false)
        FileIO.writeAtomically(dir + "/proc/sys/kernel/random/boot_id", "b00t\n", durable: false)
        FileIO.writeAtomically(dir + "/proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\neth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\n", durable: false)
        FileIO.writeAtomically(dir + "/sys/class/net/eth0/ifindex", "2\n", durable: false)
        setCounters(dir, rx: 0, tx: 0)
        setAvailable(dir, available)
        for (name, bytes) in anon { setAnon(dir, name, bytes) }
        return dir
    }
    func setAvailable(_ dir: String, _ bytes: UInt64) {
        FileIO.writeAtomically(dir + "/proc/meminfo", "MemTotal: 2097152 kB\nMemAvailable: \(bytes / 1024) kB\n", durable: false)
    }
    /// The unit's anonymous memory, beside a page cache far larger that must never count.
    func setAnon(_ dir: String, _ unit: String, _ bytes: UInt64) {
        FileIO.makeDirectories(dir + "/sys/fs/cgroup/system.slice/\(unit).service")
        FileIO.writeAtomically(dir + "/sys/fs/cgroup/system.slice/\(unit).service/memory.stat", "anon \(bytes)\nfile 999999999\n", durable: false)
    }
    func setCounters(_ dir: String, rx: UInt64, tx: UInt64) {
        FileIO.writeAtomically(dir + "/proc/net/dev", "h\nh\n  eth0: \(rx) 1 0 0 0 0 0 0 \(tx) 1 0 0 0 0 0 0\n", durable: false)
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
