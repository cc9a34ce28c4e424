// The user documents against the program: the README's event table, the
// man page's check names and exit codes. A test, so that they cannot drift.
import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class DocsMatchTests: XCTestCase {
    let top = fixture("").replacingOccurrences(of: "/Tests/Fixtures/", with: "")

    func priorityName(_ p: Priority) -> String {
        switch p { case .crit: "crit"; case .err: "err"; case .warning: "warning"; case .notice: "notice"; case .info: "info" }
    }

    /// Every event kind has its row: name, MESSAGE_ID, priority, subject.
    func testTheReadmeListsEveryEventWithItsIdAndPriority() throws {
        let readme = try XCTUnwrap(FileIO.readText(top + "/README.md"))
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        for k in EventKind.allCases {
            let row = rows.first { $0.hasPrefix("| `\(k.rawValue)` |") }
            let expected = "| `\(k.rawValue)` | `\(k.messageID)` | \(k.defaultPriority.rawValue) \(priorityName(k.defaultPriority)) | \(k.catalog.subject) |"
            guard let row else { XCTFail("README.md has no row for \(k.rawValue); add:\n\(expected)"); continue }
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(cells[1], "`\(k.messageID)`", "the README's MESSAGE_ID of \(k.rawValue)")
            XCTAssertTrue(cells[2].hasPrefix("\(k.defaultPriority.rawValue) \(priorityName(k.defaultPriority))"), "the README's priority of \(k.rawValue): \(expected)")
        }
    }
}

extension DocsMatchTests {
    /// The README's key table says what the program's own help says.
    func testTheReadmeKeyTableMatchesTheSchema() throws {
        let readme = try XCTUnwrap(FileIO.readText(top + "/README.md"))
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        let keys = Schema.keys.map { ($0.dottedName, $0.help) } + Schema.nodeKeys.map { ("node.NAME.\($0.key)", $0.help) }
        for (name, help) in keys {
            guard let row = rows.first(where: { $0.hasPrefix("| `\(name)` |") }) else { continue }   // liveness keys have their own section
            let said = row.split(separator: "|").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            XCTAssertTrue(said == help || said == help + " Not set by default.", "README row of \(name):\n\(said)\nthe program says:\n\(help)")
        }
    }
}

extension DocsMatchTests {
    /// nodeguard(8) without its roff: escapes undone, one line per source line.
    func manPage() throws -> String {
        try XCTUnwrap(FileIO.readText(top + "/packaging/man/nodeguard.8")).replacingOccurrences(of: "\\-", with: "-")
    }

    /// The man page's CHECKS and the README's "Checks" list the program's own names, no more, no fewer.
    func testCheckNamesInTheManPageAndReadmeAreTheProgramsOwn() throws {
        let page = try manPage()
        let section = try XCTUnwrap(page.components(separatedBy: ".SH CHECKS\n").last?.components(separatedBy: ".SH ").first)
        let inPage = section.components(separatedBy: ".TP\n.B ").dropFirst().map { String($0.prefix { $0 != "\n" }) }
        XCTAssertEqual(inPage, CheckRegistry.standard.checkNames.map(\.name))
        let readme = try XCTUnwrap(FileIO.readText(top + "/README.md"))
        let list = try XCTUnwrap(readme.components(separatedBy: "## Checks\n").last?.components(separatedBy: "\n## ").first)
        let inReadme = list.split(separator: "\n").filter { $0.hasPrefix("- `") }.map { String($0.dropFirst(3).prefix { $0 != "`" }) }
        XCTAssertEqual(inReadme, CheckRegistry.standard.checkNames.map(\.name))
    }

    /// Every command's exit statuses, as `nodeguard COMMAND --help` prints them, are in the man page.
    func testExitStatusesInTheManPageAreTheProgramsOwn() throws {
        let page = try manPage()
        for c in CommandHelp.all {
            XCTAssertTrue(page.contains("Exit status: \(c.exitLine)."), "nodeguard(8) does not give `\(c.name)`'s exit statuses as:\nExit status: \(c.exitLine).")
        }
    }

    /// Every reading a guard with every check makes uses a listed name.
    func testEveryReadingUsesAListedCheckName() {
        let g = Guard(config: config("""
            [node.dmo]
            unit = "dmo-node.service"
            rpc = "bitcoind"
            [node.web]
            container = "dmo-web"
            docker_socket = "/nonexistent.sock"
            restart_unhealthy_after = "2m"
            """), root: HostRoot(fixture("cgroup-v2-vps")), emit: { _ in })
        let view = g.runCycle(observe: true)
        let names = Set(CheckRegistry.standard.checkNames.map(\.name))
        // Each check's readings in the checks' order: both nodes' budget, running and memory, dmo's chain, then the host's.
        XCTAssertEqual(view.checks.map(\.check), ["restart_budget", "restart_budget", "node_running", "node_running", "node_memory", "node_memory",
                                                  "chain", "host_memory", "swap", "memory_pressure", "docker", "disk_free", "disk_inodes",
                                                  "journal", "bandwidth"])
        for c in view.checks { XCTAssertTrue(names.contains(c.check), "\(c.check) is not in CheckRegistry.standard.checkNames") }
    }
}
