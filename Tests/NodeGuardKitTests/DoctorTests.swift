import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class DoctorTests: XCTestCase {
    func testDaemonJSONTable() {
        let cases: [(String?, String?)] = [
            (nil, "docker-log-rotation"),
            ("{}", "docker-log-rotation"),
            ("{\"log-driver\": \"json-file\"}", "docker-log-rotation"),
            ("{\"log-opts\": {\"max-size\": \"50m\", \"max-file\": \"3\"}}", nil),
            ("{\"log-driver\": \"local\"}", nil),
            ("{not json", "docker-daemon-json"),
        ]
        for (text, id) in cases { XCTAssertEqual(Doctor.dockerDaemonConfig(text)?.id, id, text ?? "missing") }
    }

    func testJournaldTable() {
        XCTAssertNotNil(Doctor.journald([]))
        XCTAssertNotNil(Doctor.journald(["[Journal]\n#SystemMaxUse=\n"]), "commented out")
        XCTAssertNotNil(Doctor.journald(["[Other]\nSystemMaxUse=1G\n"]), "wrong section")
        XCTAssertNil(Doctor.journald(["[Journal]\nStorage=auto\n", "[Journal]\nSystemMaxUse=200M\n"]), "a drop-in sets it")
    }

    func testSwapOnlyMattersOnSmallBoxes() {
        func mem(_ total: UInt64, swap: UInt64) -> HostMemory {
            HostMemory(total: total, available: 0, availableEstimated: false, swapTotal: swap, swapFree: swap, pressureSome10: nil, pressureFull10: nil)
        }
        XCTAssertEqual(Doctor.swap(mem(2 * GiB, swap: 0))?.id, "no-swap")
        XCTAssertNil(Doctor.swap(mem(2 * GiB, swap: GiB)))
        XCTAssertNil(Doctor.swap(mem(8 * GiB, swap: 0)))
    }

    func testNodeContainerTable() throws {
        let bad = try JSON.parse("""
        {"Memory":0,"RestartPolicy":{"Name":"no"},"LogConfig":{"Type":"json-file","Config":{}},
         "PortBindings":{"8545/tcp":[{"HostIp":"","HostPort":"8545"}],"30303/tcp":[{"HostIp":"","HostPort":"30303"}],"8546/tcp":[{"HostIp":"127.0.0.1","HostPort":"8546"}]}}
        """)
        XCTAssertEqual(Doctor.nodeContainer(name: "geth", hostConfig: bad).map(\.id), ["node-memory-limit", "node-restart-policy", "rpc-public:8545/tcp"],
                       "the P2P port and the RPC port on 127.0.0.1 are fine")
        XCTAssertEqual(Doctor.containerLogRotation(name: "geth", hostConfig: bad, daemonRotates: true)?.id, "container-log-rotation:geth")
        // The wording fits the situation: created before rotation was set, or rotation never set.
        XCTAssertTrue(Doctor.containerLogRotation(name: "geth", hostConfig: bad, daemonRotates: true)?.why.contains("created before log rotation was set") == true)
        let never = Doctor.containerLogRotation(name: "geth", hostConfig: bad, daemonRotates: false)?.why ?? ""
        XCTAssertTrue(never.hasPrefix("neither /etc/docker/daemon.json nor"), never)
        XCTAssertFalse(never.contains("before"), never)
        let good = try JSON.parse("{\"Memory\":1610612736,\"RestartPolicy\":{\"Name\":\"unless-stopped\"},\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"50m\"}},\"PortBindings\":{}}")
        XCTAssertEqual(Doctor.nodeContainer(name: "geth", hostConfig: good), [])
        XCTAssertNil(Doctor.containerLogRotation(name: "geth", hostConfig: good, daemonRotates: false))
    }

    /// The CLI on a whole host tree: advice and exit code 1, then nothing and 0.
    func testDoctorOnAHostTree() throws {
        let root = tempDir()
        let containers = root + "/var/lib/docker/containers"
        let id = cid("a")
        FileIO.makeDirectories(containers + "/" + id)
        FileIO.makeDirectories(root + "/proc")
        FileIO.makeDirectories(root + "/etc/docker")
        FileIO.makeDirectories(root + "/etc/systemd")
        FileIO.writeAtomically(root + "/proc/meminfo", "MemTotal: 2014256 kB\nMemAvailable: 612840 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n", durable: false)
        FileIO.writeAtomically(containers + "/\(id)/config.v2.json", "{\"Name\":\"/dmo-node\"}", durable: false)
        FileIO.writeAtomically(containers + "/\(id)/hostconfig.json",
                               "{\"Memory\":0,\"RestartPolicy\":{\"Name\":\"no\"},\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},\"PortBindings\":{\"26657/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"26657\"}]}}", durable: false)
        FileIO.writeAtomically(root + "/etc/systemd/journald.conf", "[Journal]\n#SystemMaxUse=\n", durable: false)
        let config = writeConfig("[node]\ncontainer = \"dmo-node\"\nrestart_above = \"1GiB\"\n[docker_logs]\ncontainers_dir = \"\(containers)\"\n")
        let cli = try binary("nodeguard")
        // journald.conf without journald running (a container, a host without systemd): no journald advice.
        var r = try runProgram(cli, ["doctor", "--json", "--config", config, "--root", root])
        var ids = try JSON.parse(r.stdout)["advice"]?.array?.compactMap { $0["id"]?.string }
        XCTAssertFalse(ids?.contains("journald-max-use") ?? true, "\(ids ?? [])")
        FileIO.makeDirectories(root + "/run/systemd/journal")
        FileIO.writeAtomically(root + "/run/systemd/journal/socket", "", durable: false)
        r = try runProgram(cli, ["doctor", "--json", "--config", config, "--root", root])
        XCTAssertEqual(r.status, 1)
        let advice = try JSON.parse(r.stdout)["advice"]?.array ?? []
        ids = advice.compactMap { $0["id"]?.string }
        XCTAssertEqual(ids, ["no-swap", "journald-max-use", "docker-log-rotation", "container-log-rotation:dmo-node",
                             "node-memory-limit", "node-restart-policy", "rpc-public:26657/tcp"])
        // The memory limit follows the node's own restart_above (1 GiB), not [memory]'s.
        let fix = advice.first { $0["id"]?.string == "node-memory-limit" }?["fix"]?.string ?? ""
        XCTAssertTrue(fix.contains("mem_limit: 1280m, a quarter above its restart_above of 1 GiB"), fix)
        // Without a config naming nodes it says what it left out.
        let bare = try runProgram(cli, ["doctor", "--json", "--root", root])
        let notChecked = try JSON.parse(bare.stdout)["not_checked"]?.array?.compactMap(\.string) ?? []
        XCTAssertTrue(notChecked.contains { $0.hasPrefix("the nodes: no node is configured") }, "\(notChecked)")
        // Fixed: nothing to advise, exit 0.
        FileIO.writeAtomically(root + "/proc/meminfo", "MemTotal: 2014256 kB\nMemAvailable: 612840 kB\nSwapTotal: 1048572 kB\nSwapFree: 1048572 kB\n", durable: false)
        FileIO.writeAtomically(root + "/etc/systemd/journald.conf", "[Journal]\nSystemMaxUse=200M\n", durable: false)
        FileIO.writeAtomically(root + "/etc/docker/daemon.json", "{\"log-driver\":\"local\"}", durable: false)
        FileIO.writeAtomically(containers + "/\(id)/hostconfig.json",
                               "{\"Memory\":1610612736,\"RestartPolicy\":{\"Name\":\"always\"},\"LogConfig\":{\"Type\":\"local\",\"Config\":{}},\"PortBindings\":{\"26657/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"26657\"}]}}", durable: false)
        let fixed = try runProgram(cli, ["doctor", "--config", config, "--root", root])
        XCTAssertEqual(fixed.status, 0, fixed.stdout)
        XCTAssertEqual(fixed.stdout, "nothing to advise: this host looks well set up for a node\n")
    }
}
