// The built programs driven as a user (and systemd) would: exit codes, output,
// and the sd_notify conversation over a real NOTIFY_SOCKET.
import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class CLITests: XCTestCase {
    func testConfigCheck() throws {
        let cli = try binary("nodeguard")
        let good = writeConfig("interval = \"5s\"\n[node]\nunit = \"dmo.service\"\n")
        let ok = try runProgram(cli, ["config", "check", good])
        XCTAssertEqual(ok.status, 0)
        XCTAssertTrue(ok.stdout.hasPrefix("\(good): ok: interval 5s, node dmo (dmo.service) restart above 60% for 3m"), ok.stdout)
        XCTAssertEqual(ok.stdout.split(separator: "\n").count, 1, "one line")

        let bad = writeConfig("interval = 5\n[memory]\nfor_cylces = 3\n")
        let r = try runProgram(cli, ["config", "check", bad])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, """
        \(bad):1:12: interval: expected a duration string such as "5s", found an integer; write the unit (ms, s, m, h or d)
        \(bad):3:1: unknown key `for_cylces` in [memory], did you mean `for_cycles`?

        """)
        let missing = try runProgram(cli, ["config", "check", "/nonexistent.toml"])
        XCTAssertEqual(missing.status, 1)

        // Valid, but the default warn_above (50% of this host's RAM) sits above the restart: a warning at the line set.
        let conflict = writeConfig("[node]\nunit = \"dmo.service\"\nrestart_above = \"150MiB\"\n")
        let w = try runProgram(cli, ["config", "check", conflict])
        XCTAssertEqual(w.status, 0, "still valid")
        XCTAssertTrue(w.stdout.contains("\n\(conflict):3:17: warning: node.warn_above (50% from [memory], "), w.stdout)
        XCTAssertTrue(w.stdout.hasSuffix("set node.warn_above, such as \"120MiB\"\n"), w.stdout)
    }

    /// `nodeguard COMMAND --help`, and exit statuses that cannot be taken for a check's state.
    func testCommandHelpAndUsageAndConfigErrors() throws {
        let cli = try binary("nodeguard")
        for (args, first) in [(["status", "--help"], "usage: nodeguard status "), (["config", "check", "--help"], "usage: nodeguard config check "),
                              (["help", "doctor"], "usage: nodeguard doctor ")] {
            let r = try runProgram(cli, args)
            XCTAssertEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.stdout.hasPrefix(first), r.stdout)
            XCTAssertTrue(r.stdout.contains("\nexit status:\n"), r.stdout)
        }
        let unknown = try runProgram(cli, ["check", "--bogus"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertEqual(unknown.stderr, "nodeguard: unknown option `--bogus`; see nodeguard check --help\n")
        XCTAssertEqual(try runProgram(cli, []).status, 64)
        let bad = writeConfig("interval = 5\n")
        let invalid = try runProgram(cli, ["check", "--config", bad])
        XCTAssertEqual(invalid.status, 78, "an invalid config is not a critical check")
        XCTAssertTrue(invalid.stderr.hasPrefix("\(bad):1:12: interval: "), invalid.stderr)
    }

    func testCheckOnFixtureTreesExitCodes() throws {
        let cli = try binary("nodeguard")
        // The 2 GB VPS fixture: the node's 827 MiB of anon is above a 800 MiB restart threshold.
        let critical = writeConfig("[node]\nunit = \"dmo-node.service\"\n[memory]\nwarn_above = \"700MiB\"\nrestart_above = \"800MiB\"\n[disk]\npaths = [\"/\"]\n")
        let r = try runProgram(cli, ["check", "--json", "--config", critical, "--root", fixture("cgroup-v2-vps")])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        let json = try JSON.parse(r.stdout)
        XCTAssertEqual(json["state"]?.string, "critical")
        let node = json["checks"]?.array?.first { $0["check"]?.string == "node_memory" }
        XCTAssertEqual(node?["node"]?.string, "dmo-node")
        XCTAssertEqual(node?["value"]?.string, "827 MiB")

        let warning = writeConfig("[node]\nunit = \"dmo-node.service\"\n[memory]\nwarn_above = \"800MiB\"\nrestart_above = \"900MiB\"\n")
        XCTAssertEqual(try runProgram(cli, ["check", "--config", warning, "--root", fixture("cgroup-v2-vps")]).status, 1)

        let fine = writeConfig("[node]\nunit = \"dmo-node.service\"\n[memory]\nwarn_above = \"1GiB\"\nrestart_above = \"1.2GiB\"\n")
        let text = try runProgram(cli, ["check", "--config", fine, "--root", fixture("cgroup-v2-vps")])
        XCTAssertEqual(text.status, 0, text.stdout)
        let psi = text.stdout.split(separator: "\n").first { $0.hasPrefix("memory_pressure ") }
        XCTAssertTrue(psi?.contains("some 2.47% full 0.83% (avg10)") == true, text.stdout)
    }

    /// The daemon's status file leaves the per-node grouping out (it is the
    /// same checks again); `nodeguard status --json` gives it back.
    func testStatusJSONHasANodesObjectKeyedByName() throws {
        let dir = tempDir()
        var c = config("[node.dmo]\nunit = \"dmo\"\n[node.web]\nunit = \"web\"\n[memory]\nrestart_above = \"1GiB\"\n")
        c.statusFile = dir + "/status.json"
        c.bandwidth.enabled = false
        let g = Guard(config: c, root: HostRoot(fixture("cgroup-v2-vps")), emit: { _ in })
        g.sinks.append(StatusFileSink(path: c.statusFile, pid: getpid(), emit: { _ in }))
        g.runCycle(now: Now.read(), observe: true)
        let file = try JSON.parse(try XCTUnwrap(FileIO.readText(c.statusFile)))
        XCTAssertNil(file["nodes"], "the file holds each check once")
        let r = try runProgram(try binary("nodeguard"), ["status", "--json", "--status-file", c.statusFile])
        let out = try JSON.parse(r.stdout)
        guard case .object(let nodes)? = out["nodes"] else { return XCTFail("no nodes object: \(r.stdout)") }
        XCTAssertEqual(nodes.map(\.0), ["dmo", "web"])
        XCTAssertEqual(out["nodes"]?["web"]?["checks"]?.array?.compactMap { $0["check"]?.string }, ["restart_budget", "node_running"])
        XCTAssertEqual(out["nodes"]?["web"]?["state"]?.string, "critical", "web is not running on this fixture")
        XCTAssertEqual(out["checks"]?.array?.count, file["checks"]?.array?.count)
    }

    func testStatusWithoutDaemon() throws {
        let r = try runProgram(try binary("nodeguard"), ["status", "--status-file", "/nonexistent/status.json"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr, "nodeguard is not running (no status at /nonexistent/status.json: No such file or directory); start it with `systemctl start nodeguard`, or pass --status-file\n")
    }
}

/// nodeguardd's sd_notify conversation, read from a real NOTIFY_SOCKET.
final class NotifyTests: XCTestCase {
    func testReadyWatchdogReloadAndStop() throws {
        let daemon = try binary("nodeguardd")
        let dir = tempDir()
        // The interval (5 s) is longer than the watchdog (0.6 s): pings must still come.
        let config = writeConfig("interval = \"5s\"\nstatus_file = \"\(dir)/status.json\"\nstate_directory = \"\(dir)/state\"\n")
        let sock = NotifySocket()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: daemon)
        p.arguments = ["--config", config]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = sock.path
        env["WATCHDOG_USEC"] = "600000"
        env.removeValue(forKey: "WATCHDOG_PID")
        p.environment = env
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }

        let start = sock.read(for: 5) { $0.contains("READY=1") }
        XCTAssertTrue(start.last?.1.contains("READY=1") == true, "\(start)")
        XCTAssertTrue(FileIO.exists(dir + "/status.json"), "READY only after a first cycle wrote its status")
        XCTAssertTrue(start.contains { $0.1.hasPrefix("STATUS=") || $0.1.contains("\nSTATUS=") })

        let pings = sock.read(for: 2.0).filter { $0.1.contains("WATCHDOG=1") }.map(\.0)
        XCTAssertGreaterThanOrEqual(pings.count, 5, "about every 0.2 s while waiting for the 5 s interval")
        for (a, b) in zip(pings, pings.dropFirst()) { XCTAssertLessThan(b - a, 0.3, "at least twice per WatchdogSec") }

        kill(p.processIdentifier, SIGHUP)
        let reload = sock.read(for: 3) { $0.contains("READY=1") }.map(\.1).filter { !$0.hasPrefix("WATCHDOG=1") || $0.contains("READY") }
        XCTAssertTrue(reload.first?.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") == true, "\(reload)")
        XCTAssertTrue(reload.last?.hasPrefix("READY=1") == true, "\(reload)")

        let t0 = Now.read().monotonic
        kill(p.processIdentifier, SIGTERM)
        let stop = sock.read(for: 2) { $0.contains("STOPPING=1") }
        XCTAssertTrue(stop.last?.1.contains("STOPPING=1") == true)
        p.waitUntilExit()
        XCTAssertLessThan(Now.read().monotonic - t0, 1.0, "a clean exit within a second")
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(FileIO.exists(dir + "/state/state"), "state saved on SIGTERM")
    }

    func testInvalidConfigRefusesToStart() throws {
        let bad = writeConfig("[memory]\nrestart_above = 5\n")
        let r = try runProgram(try binary("nodeguardd"), ["--config", bad])
        XCTAssertEqual(r.status, 78)
        XCTAssertTrue(r.stderr.hasPrefix("\(bad):2:17: memory.restart_above: expected a size such as \"5MiB\" or a share such as \"5%\", found an integer\n"), r.stderr)
    }
}
