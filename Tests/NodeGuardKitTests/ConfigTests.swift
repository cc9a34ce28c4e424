import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit
@testable import NodeGuardCLI
@testable import TOML

final class ConfigTests: XCTestCase {
    func testEmptyFileIsTheDefaults() {
        XCTAssertEqual(config(""), Config())
    }

    func testTheProductExampleReads() {
        let c = config("""
        interval = "10s"

        [node]
        unit = "dmo-node.service"
        grace = "10m"
        max_restarts = 3
        restart_window = "6h"

        [memory]
        restart_above = "1.2GiB"
        warn_above = "1GiB"
        for = "3m"
        host_available_below = "8%"

        [disk]
        paths = ["/", "/var/lib/docker"]
        warn_free_below = "15%"
        critical_free_below = "5%"
        """)
        XCTAssertEqual(c.interval, 10)
        XCTAssertEqual(c.nodes.map(\.name), ["dmo-node"], "0.1.0's [node]: one node, named after its unit")
        XCTAssertEqual(c.nodes.first?.unit, "dmo-node.service")
        XCTAssertEqual(c.nodes.first?.grace, 600)
        XCTAssertEqual(c.nodes.first?.restartWindow, 21600)
        XCTAssertEqual(c.memory.restartAbove, .bytes(1_288_490_189))
        XCTAssertEqual(c.memory.warnAbove, .bytes(1 << 30))
        XCTAssertEqual(c.memory.sustained, 180)
        XCTAssertEqual(c.memory.hostAvailableBelow, .share(0.08))
        XCTAssertEqual(c.disk.paths, ["/", "/var/lib/docker"])
        XCTAssertEqual(c.disk.criticalFreeBelow, 0.05, accuracy: 1e-9)
    }

    func testForCyclesCountsCheckCycles() {
        let c = config("interval = \"5s\"\n[memory]\nfor_cycles = 6\n")
        XCTAssertEqual(c.memory.sustained, 30)
        XCTAssertEqual(errors("[memory]\nfor = \"1m\"\nfor_cycles = 3\n"), ["t.toml:3:14: memory: set either `for` or `for_cycles`, not both"])
        XCTAssertEqual(errors("[memory]\nfor_cylces = 3\n"), ["t.toml:2:1: unknown key `for_cylces` in [memory], did you mean `for_cycles`?"])
    }

    func testUnitNameGetsServiceSuffix() {
        XCTAssertEqual(config("[node]\nunit = \"bitcoind\"").nodes.first?.unit, "bitcoind.service")
        XCTAssertEqual(config("[node.btc]\nunit = \"bitcoind\"").nodes.first?.unit, "bitcoind.service")
    }

    func testReferenceConfigUncommentedIsValidAndEqualsDefaults() {
        // Every key of the shipped reference that has a default, uncommented, is
        // that default; so is the example node's table with its unit, and the
        // example [[notify]] target with its kind and url_file.
        var lines: [String] = []
        var unsetFollows = false, inProducer = false
        for line in ReferenceConfig.text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            defer { unsetFollows = line.hasSuffix("Not set by default.") || line.hasSuffix("For example:") }
            // The producer group's example names nodeos nodes this file has not: read on its own below.
            if line == "# [producer.ourbpaccount]" { inProducer = true }
            if inProducer && line.hasPrefix("[") { inProducer = false }
            if inProducer { lines.append(line); continue }
            if line == "# [node.dmo]" || line == "# [[notify]]" { lines.append(String(line.dropFirst(2))); continue }
            guard line.hasPrefix("# "), line.contains(" = ") else { lines.append(line); continue }
            let example = ["# unit = ", "# kind = ", "# url_file = \"/etc/nodeguard/ntfy"].contains { line.hasPrefix($0) }
            let keep = !unsetFollows || example
            lines.append(keep ? String(line.dropFirst(2)) : line)
        }
        var expected = Config()
        var dmo = NodeConfig(name: "dmo")
        dmo.unit = "dmo-node.service"
        expected.nodes = [dmo]
        var ntfy = NotifyTarget(name: "ntfy", kind: .ntfy)
        ntfy.url = .file("/etc/nodeguard/ntfy.url")
        expected.notify = [ntfy]
        XCTAssertEqual(config(lines.joined(separator: "\n")), expected)
        for k in Schema.keys { XCTAssertTrue(ReferenceConfig.text().contains("# \(k.key) = "), k.dottedName) }
        for k in Schema.nodeKeys { XCTAssertTrue(ReferenceConfig.nodeSection().contains("# \(k.key) = "), "node key \(k.key)") }
        for k in Schema.notifyKeys { XCTAssertTrue(ReferenceConfig.notifySection().contains("# \(k.key) = "), "notify key \(k.key)") }
        for k in Schema.producerKeys { XCTAssertTrue(ReferenceConfig.producerSection().contains("# \(k.key) = "), "producer key \(k.key)") }
    }

    func testReferenceProducerGroupUncommentedIsValidAndEqualsDefaults() {
        let members = "[node.producer]\nunit = \"p\"\nrpc = \"nodeos\"\n[node.failover]\nunit = \"f\"\nrpc = \"nodeos\"\nrpc_url = \"http://127.0.0.1:8889/\"\n"
        let section = ReferenceConfig.producerSection().split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0 == "# [producer.ourbpaccount]" || ($0.hasPrefix("# ") && $0.contains(" = ") && !$0.dropFirst(2).prefix(while: { $0 != "=" }).dropLast().contains(" ")) ? String($0.dropFirst(2)) : String($0) }
        var expected = ProducerGroup(account: "ourbpaccount", nodes: ["producer", "failover"])
        expected.maxLag = 15
        XCTAssertEqual(config(members + section.joined(separator: "\n")).producers, [expected])
    }

    /// Every error class, with its exact line:col.
    func testErrorsCarryLineAndColumn() {
        let cases: [(String, String)] = [
            // wrong type
            ("[node]\nmax_restarts = \"three\"\n", "t.toml:2:16: node.max_restarts: expected an integer, found a string"),
            ("dry_run = \"true\"\n", "t.toml:1:11: dry_run: expected a boolean, found a string; write true without quotes"),
            ("[disk]\npaths = \"/\"\n", "t.toml:2:9: disk.paths: expected an array of strings such as [\"/\", \"/var/lib/docker\"], found a string"),
            // out of range
            ("[node]\nmax_restarts = 0\n", "t.toml:2:16: node.max_restarts: 0 is out of range; it must be between 1 and 100"),
            ("interval = \"2h\"\n", "t.toml:1:12: interval: duration out of range; it must be between 1s and 1h"),
            ("[disk]\nwarn_free_below = \"150%\"\n", "t.toml:2:19: disk.warn_free_below: share `150%` is out of range; it must be between 0% and 100%"),
            // missing unit
            ("interval = 10\n", "t.toml:1:12: interval: expected a duration string such as \"10s\", found an integer; write the unit (ms, s, m, h or d)"),
            ("[memory]\nrestart_above = \"1200\"\n", "t.toml:2:17: memory.restart_above: size `1200` has no unit; write it with one of B, kB, MB, GB, TB, KiB, MiB, GiB, TiB, as in \"1200MiB\""),
            // unknown unit
            ("[memory]\nrestart_above = \"1.2gb\"\n", "t.toml:2:17: memory.restart_above: unknown size unit `gb` in `1.2gb` (did you mean `GB`?); use one of B, kB, MB, GB, TB, KiB, MiB, GiB, TiB"),
            ("[node]\ngrace = \"10 mins\"\n", "t.toml:2:9: node.grace: unknown duration unit `mins` in `10 mins`; use ms, s, m, h or d"),
            // unknown keys, with the nearest valid key
            ("[memory]\nrestart_abvoe = \"1GiB\"\n", "t.toml:2:1: unknown key `restart_abvoe` in [memory], did you mean `restart_above`?"),
            ("\n[node]\n  max_restart = 3\n", "t.toml:3:3: unknown key `max_restart` in [node], did you mean `max_restarts`?"),
            ("intervall = \"10s\"\n", "t.toml:1:1: unknown key `intervall`, did you mean `interval`?"),
            ("[memory]\npaths = [\"/\"]\n", "t.toml:2:1: unknown key `paths` in [memory]; it belongs in [disk]"),
            ("[memroy]\n", "t.toml:1:1: unknown table [memroy], did you mean [memory]?"),
            // keys that contradict each other
            ("[memory]\nwarn_above = \"2GiB\"\nrestart_above = \"1GiB\"\n", "t.toml:2:14: memory.warn_above (2GiB) must be below restart_above (1GiB)"),
            ("[node]\npidfile = \"/run/n.pid\"\n", "t.toml:2:11: node.pidfile: a node found by pidfile needs `restart_command` (an argv) to be restarted"),
            ("[node]\nrestart_command = [\"systemctl\", \"restart\", \"x\"]\nunit = \"x\"\n", "t.toml:2:19: node.restart_command: the command `systemctl` must be an absolute path, as in \"/usr/bin/systemctl\""),
            // syntax
            ("[node]\nunit = dmo\n", "t.toml:2:8: invalid value `dmo`; strings must be quoted, as in \"dmo\""),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(errors(text), [expected], text)
        }
    }

    func testAllErrorsAreReportedInFileOrder() {
        let lines = errors("""
        intervl = "10s"
        [memory]
        for = 3
        restart_above = "1.2 GiBs"
        """)
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("t.toml:1:1: unknown key `intervl`"))
        XCTAssertTrue(lines[1].hasPrefix("t.toml:3:7: memory.for:"))
        XCTAssertTrue(lines[2].hasPrefix("t.toml:4:17: memory.restart_above: unknown size unit `GiBs`"))
    }

    func testKeysAgainstEachOtherAreCheckedInTheSameRun() {
        // Four mistakes, one of them between two keys that are each valid.
        let lines = errors("""
        intervl = "10s"
        [memory]
        warn_above = "2GiB"
        restart_above = "1GiB"
        [disk]
        paths = "/"
        [node.dmo]
        container = "dmo-node"
        grace = "soon"
        """)
        XCTAssertEqual(lines.count, 4, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[1].hasPrefix("t.toml:3:14: memory.warn_above (2GiB) must be below restart_above (1GiB)"), lines[1])
        // A relation naming a key that could not be read is not judged against its default.
        let one = errors("[memory]\nwarn_above = \"lots\"\nrestart_above = \"100MiB\"\n")
        XCTAssertEqual(one.count, 1, one.joined(separator: "\n"))
        XCTAssertTrue(one[0].hasPrefix("t.toml:2:14: memory.warn_above:"))
    }

    func testSuggestions() {
        XCTAssertEqual(Suggest.nearest("for_cylces", among: ["for_cycles", "for"]), "for_cycles")
        XCTAssertEqual(Suggest.nearest("restart_abvoe", among: Schema.keys.map(\.key)), "restart_above")
        XCTAssertNil(Suggest.nearest("bandwidth", among: ["unit", "pidfile"]))
    }

    func testReloadDiffNamesWhatChanged() {
        let a = Config()
        var b = a
        b.interval = 5
        b.memory.restartAbove = .bytes(1 << 30)
        XCTAssertEqual(Schema.changes(from: a, to: b), ["interval 10s -> 5s", "memory.restart_above 60% -> 1GiB"])
        XCTAssertEqual(Schema.changes(from: a, to: a), [])
    }

    // MARK: files on disk

    func write(_ text: String, mode: mode_t) -> String {
        let dir = tempDir()
        let path = dir + "/nodeguard.toml"
        FileIO.writeAtomically(path, text, durable: false, mode: mode)
        chmod(path, mode)
        return path
    }

    func testMissingDefaultFileMeansDefaultsButAGivenPathMustExist() {
        guard case .success(.defaults(let c)) = ConfigLoader.load(path: "/nonexistent/nodeguard.toml", required: false) else { return XCTFail() }
        XCTAssertEqual(c, Config())
        guard case .failure(let e) = ConfigLoader.load(path: "/nonexistent/nodeguard.toml", required: true) else { return XCTFail() }
        XCTAssertEqual(e.lines, ["/nonexistent/nodeguard.toml: cannot read the config file: No such file or directory; create it or pass --config PATH"])
    }

    func testAFileWritableByOthersIsRefused() {
        let path = write("interval = \"5s\"\n", mode: 0o666)
        guard case .failure(let e) = ConfigLoader.load(path: path, required: true) else { return XCTFail("accepted a world-writable config") }
        XCTAssertEqual(e.lines, ["\(path): refusing a config file writable by other users: it names commands nodeguard runs as root; run `chmod o-w` on it"])
        chmod(path, 0o644)
        guard case .success(.file(let c)) = ConfigLoader.load(path: path, required: true) else { return XCTFail() }
        XCTAssertEqual(c.interval, 5)
    }

    func testAFileOwnedBySomeoneElseIsRefused() throws {
        try XCTSkipIf(geteuid() != 0, "needs root to chown")
        let path = write("interval = \"5s\"\n", mode: 0o644)
        chown(path, 65534, 65534)
        guard case .failure(let e) = ConfigLoader.load(path: path, required: true) else { return XCTFail("accepted a file owned by nobody") }
        XCTAssertTrue(e.lines[0].contains("owned by uid 65534"), e.lines[0])
    }
}

/// A file at the 1 MiB limit, however it is made: checked at once, and every
/// message a line an operator can read.
final class HugeConfigTests: XCTestCase {
    func check(_ text: String) -> (lines: [String], seconds: Double) {
        let start = Now.read().monotonic
        let lines = errors(text)
        return (lines, Now.read().monotonic - start)
    }

    func testAKeyOneMebibyteLongIsCutAndFoundFast() {
        let key = String(repeating: "a", count: (1 << 20) - 64)
        for (text, table) in [(key + " = 1\n", ""), ("[memory]\n" + key + " = 1\n", " in [memory]")] {
            let (lines, seconds) = check(text)
            XCTAssertEqual(lines.count, 1)
            XCTAssertTrue(lines[0].contains("… (\(key.count) characters)\(table)"), String(lines[0].prefix(200)))
            XCTAssertLessThan(lines[0].utf8.count, 300, "the key is cut")
            // Not a timing budget: the did-you-mean used to compare the key with every
            // name (3.9 s in a release build); a generous bound catches that coming back.
            XCTAssertLessThan(seconds, 1.0)
        }
    }

    func testAValueOneMebibyteLongIsCut() {
        let lines = errors("interval = \"" + String(repeating: "x", count: (1 << 20) - 64) + "\"\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertLessThan(lines[0].utf8.count, 400)
        XCTAssertTrue(lines[0].contains("characters)") && lines[0].hasSuffix("as in \"30s\""), String(lines[0].prefix(300)))
    }

    func testThousandsOfMistakesAreOneScreen() {
        var text = ""
        for i in 0..<9_000 { text += "k\(i) = 1\n" }
        let lines = errors(text)
        XCTAssertEqual(lines.count, 101)
        XCTAssertEqual(lines.last, "t.toml: and 8900 more problems past the first 100; fix these and check again")
        // 4,000 node tables: refused past 64, read in linear time.
        var tables = ""
        for i in 0..<4_000 { tables += "[node.n\(i)]\nunit = \"u\(i)\"\n" }
        let (refused, seconds) = check(tables)
        XCTAssertEqual(refused.count, 1, refused.first ?? "")
        XCTAssertLessThan(seconds, 5.0, "not quadratic in the number of tables (41,000 took 3.9 s in a release build)")
    }

    func testAFileOfTensOfThousandsOfValuesIsRefusedAtOnce() {
        // Keys, tables, an array, an inline table: each shape past 10,000 values.
        let shapes = [(0..<40_000).map { "k\($0) = 1" }.joined(separator: "\n"),
                      (0..<40_000).map { "[node.n\($0)]" }.joined(separator: "\n"),
                      "[disk]\npaths = [" + Array(repeating: "\"/\"", count: 200_000).joined(separator: ",") + "]",
                      "x = {" + (0..<60_000).map { "k\($0) = 1" }.joined(separator: ",") + "}"]
        for text in shapes {
            let (lines, seconds) = check(text + "\n")
            XCTAssertEqual(lines.count, 1)
            XCTAssertTrue(lines.first?.contains("more than 10000 values and tables, far more than any config holds") == true, lines.first ?? "")
            XCTAssertLessThan(seconds, 1.0)
        }
    }

    func testALongWordIsCutOnCharactersNotBytes() {
        let cut = Printable.cutLongWords("unit `" + String(repeating: "é", count: 300) + "` is unknown")
        XCTAssertEqual(cut, "unit `" + String(repeating: "é", count: 59) + "… (300 characters) is unknown")
        XCTAssertEqual(Printable.cutLongWords("short words stay"), "short words stay")
    }

    func testANearMissStillGetsItsSuggestion() {
        XCTAssertEqual(Suggest.nearest("restart_abvoe", among: ["restart_above", "warn_above"]), "restart_above")
        XCTAssertNil(Suggest.nearest(String(repeating: "r", count: 5000), among: ["restart_above"]))
        // A container or unit: a name holding it, as compose names them.
        XCTAssertEqual(Suggest.nearestName("dmo", among: ["web", "dmo-node", "x-dmo-node-1"]), "dmo-node")
        XCTAssertEqual(Suggest.nearestName("dmo-nod", among: ["dmo-node", "dmo"]), "dmo-node")
        XCTAssertNil(Suggest.nearestName("db", among: ["dbx-long-name"]), "too short to guess from")
    }
}
