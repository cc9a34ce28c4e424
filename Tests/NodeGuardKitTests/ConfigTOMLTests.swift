// The config as people write TOML: dotted keys, inline tables, multi-line
// strings mean what the plain form means; other types are type errors at the
// key; every error is one escaped line.
import XCTest
@testable import NodeGuardKit

final class ConfigTOMLTests: XCTestCase {
    func testEveryTOMLFormReadsTheSame() {
        let plain = config("""
        interval = "5s"
        [memory]
        restart_above = "1GiB"
        warn_above = "900MiB"
        [disk]
        paths = ["/", "/var/lib/docker"]
        """)
        let forms = [
            "interval = \"5s\"\nmemory.restart_above = \"1GiB\"\nmemory.warn_above = \"900MiB\"\ndisk.paths = [\"/\", \"/var/lib/docker\"]\n",
            "interval = \"5s\"\nmemory = { restart_above = \"1GiB\", warn_above = \"900MiB\" }\ndisk = { paths = [ '/', '''/var/lib/docker''' ] }\n",
            "\u{FEFF}interval = \"\"\"\n5s\"\"\"\n[memory]\n\"restart_above\" = \"1\\u0047iB\"\nwarn_above = '900MiB'\n[disk]\npaths = [\n  \"/\", # root\n  \"/var/lib/docker\",\n]\n",
        ]
        for text in forms { XCTAssertEqual(config(text), plain, text) }
    }

    func testOtherTOMLTypesAreTypeErrorsAtTheKey() {
        let cases: [(String, String)] = [
            ("interval = 1979-05-27\n", "t.toml:1:12: interval: expected a duration string such as \"30s\", found a local date"),
            ("[node]\nmax_restarts = 07:32:00\n", "t.toml:2:16: node.max_restarts: expected an integer, found a local time"),
            ("dry_run = 1979-05-27T07:32:00Z\n", "t.toml:1:11: dry_run: expected a boolean (true or false), found a date-time"),
            ("[node]\nunit = { name = \"x\" }\n", "t.toml:2:8: node.unit: expected a unit name such as \"dmo-node.service\", found a table"),
            ("memory = { restart_above = 5 }\n", "t.toml:1:28: memory.restart_above: expected a size such as \"5MiB\" or a share such as \"5%\", found an integer"),
            ("[disk]\npaths = [\"/\", 1979-05-27]\n", "t.toml:2:9: disk.paths: expected an array of strings such as [\"/\", \"/var/lib/docker\"], found a local date in it"),
        ]
        for (text, expected) in cases { XCTAssertEqual(errors(text), [expected], text) }
    }

    func testTablesInTheWrongShape() {
        let cases: [(String, String)] = [
            ("[[node]]\nunit = \"x\"\n", "t.toml:1:1: `node` is a table: write [node] with its keys on the lines below it, found an array"),
            ("node = 1\n", "t.toml:1:8: `node` is a table: write [node] with its keys on the lines below it, found an integer"),
            ("[interval]\n", "t.toml:1:1: unknown table [interval]; `interval` is a key of the top level: write `interval = ...` before any [table]"),
            ("[memory.for]\n", "t.toml:1:1: memory.for: expected a duration string such as \"30s\", found a table"),
            ("[memory.fast]\n", "t.toml:1:1: unknown table [memory.fast]; the tables are [node], [producer], [memory], [disk], [docker_logs], [journal], [bandwidth], [metrics], [[notify]], [heartbeat]"),
            ("[notify.x]\n", "t.toml:1:1: `notify` is an array of tables: write each target as [[notify]] with its keys on the lines below it"),
            ("[\"memory\\u0000\"]\n", "t.toml:1:1: unknown table [\"memory\\u0000\"], did you mean [memory]?"),
        ]
        for (text, expected) in cases { XCTAssertEqual(errors(text), [expected], text) }
    }

    func testErrorLinesAreOneLineAndEscaped() {
        let lines = errors("[memory]\n\"restart\\nabove\" = \"1GiB\"\ninterval2 = \"\\u001B[2J10s\"\n[node]\ngrace = \"\\u001B]0;title\\u0007\"\n")
        XCTAssertEqual(lines.count, 3, "\(lines)")
        for l in lines {
            XCTAssertFalse(l.utf8.contains { $0 < 0x20 || $0 == 0x7F }, l.debugDescription)
        }
        XCTAssertEqual(lines[0], "t.toml:2:1: unknown key `\"restart\\nabove\"` in [memory], did you mean `restart_above`?")
        XCTAssertTrue(lines[2].contains("\\u001B]0;title\\u0007"), lines[2])
    }

    func write(_ bytes: [UInt8]) -> String {
        let path = tempDir() + "/nodeguard.toml"
        FileIO.writeAtomically(path, bytes, durable: false, mode: 0o644)
        return path
    }

    func testLoadRefusesOversizedAndInvalidFiles() {
        var big = Array("[node]\nunit = \"dmo.service\"\n".utf8)
        while big.count <= (1 << 20) { big += Array("# padding padding padding padding padding padding\n".utf8) }
        big += Array("[memory]\nrestart_above = \"1GiB\"\n".utf8)
        let oversized = write(big)
        guard case .failure(let e) = ConfigLoader.load(path: oversized, required: true) else { return XCTFail("an oversized file was read") }
        XCTAssertEqual(e.lines, ["\(oversized):1:1: the file is larger than 1 MiB, the most a config may be; nothing in it was used"])

        let latin1 = write(Array("[node]\nunit = \"caf".utf8) + [0xE9] + Array("\"\n".utf8))
        guard case .failure(let u) = ConfigLoader.load(path: latin1, required: true) else { return XCTFail("invalid UTF-8 was read") }
        XCTAssertEqual(u.lines, ["\(latin1):2:12: invalid UTF-8 (byte \\xE9); save the file as UTF-8"])
    }
}
