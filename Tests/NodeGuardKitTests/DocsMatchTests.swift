// The documents against the program: nodeguard(8)'s CHECKS and EVENTS are
// the program's own lists, its exit statuses each command's own; the
// README's and how-tos' TOML is valid; their metric names exist; no document
// copies the key table the man page is generated from. A test, so that they
// cannot drift.
import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class DocsMatchTests: XCTestCase {
    let top = fixture("").replacingOccurrences(of: "/Tests/Fixtures/", with: "")

    /// nodeguard(8) as committed.
    func manSource() throws -> String { try XCTUnwrap(FileIO.readText(top + "/packaging/man/nodeguard.8")) }

    /// nodeguard(8) without its roff: escapes undone, one line per source line.
    func manPage() throws -> String { try manSource().replacingOccurrences(of: "\\-", with: "-") }

    /// The users' documents: the README and the how-tos.
    func documents() -> [(name: String, text: String)] {
        let docs = FileIO.list(top + "/docs").filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return (["README.md"] + docs).compactMap { name in FileIO.readText(top + "/" + name).map { (name, $0) } }
    }

    /// CHECKS and EVENTS are exactly what the program makes of its registry
    /// and its event kinds: no name more, none fewer, in the program's words.
    func testTheManPagesListsAreTheProgramsOwn() throws {
        let page = try manSource()
        var expected = Self.replacing(section: ".SH CHECKS\n", in: page, with: ManSections.checks())
        expected = Self.replacing(section: ".SH EVENTS\n", in: expected, with: ManSections.events(), before: ".SH \"EXIT STATUS\"\n")
        if expected != page {
            FileIO.writeAtomically("/tmp/nodeguard.8", expected, durable: false, mode: 0o644)
            XCTFail("packaging/man/nodeguard.8's CHECKS or EVENTS differ from the program's: the page it should be is in /tmp/nodeguard.8 (cp /tmp/nodeguard.8 packaging/man/nodeguard.8)")
        }
        let names = try manPage().components(separatedBy: ".SH EVENTS\n").last?.components(separatedBy: ".SH ").first?
            .components(separatedBy: ".TP\n.B ").dropFirst().map { String($0.prefix { $0 != "\n" }) }
        XCTAssertEqual(names, EventKind.allCases.map(\.rawValue), "the premise: every event has its entry")
    }

    /// `page` with the section that starts with `header` (up to the next
    /// .SH) replaced by `text`, or `text` put before `before` when it has none.
    static func replacing(section header: String, in page: String, with text: String, before: String = "") -> String {
        if let start = page.range(of: header) {
            let rest = page[start.upperBound...]
            let end = rest.range(of: "\n.SH ").map { page.index(after: $0.lowerBound) } ?? page.endIndex
            return String(page[..<start.lowerBound]) + text + String(page[end...])
        }
        guard let at = page.range(of: before) else { return page + text }
        return String(page[..<at.lowerBound]) + text + String(page[at.lowerBound...])
    }

    /// Every TOML snippet of the README and the how-tos passes `nodeguard config check`.
    func testEveryTOMLSnippetInTheDocumentsIsValid() throws {
        let nodeguard = try binary("nodeguard")
        var snippets = 0
        for (name, text) in documents() {
            for (i, block) in text.components(separatedBy: "```toml\n").dropFirst().enumerated() {
                let toml = block.components(separatedBy: "```").first ?? ""   // a fence in a list is indented: so may the TOML be
                let path = writeConfig(toml)
                chmod(path, 0o600)
                let r = try runProgram(nodeguard, ["config", "check", path])
                XCTAssertEqual(r.status, 0, "\(name), TOML snippet \(i + 1):\n\(toml)\n\(r.stdout)\(r.stderr)")
                snippets += 1
            }
        }
        XCTAssertEqual(snippets, 10, "the premise: the README's three nodes and the how-tos' snippets (producers.md's two-host one the tenth)")
    }

    /// No document copies the key table: keys are looked up in nodeguard.toml(5).
    func testNoDocumentCopiesTheKeyTable() {
        let keys = Set(Schema.keys.map(\.dottedName) + Schema.nodeKeys.map { "node.NAME." + $0.key } + Schema.nodeKeys.map(\.key)
                       + Schema.notifyKeys.map { "notify." + $0.key })
        for (name, text) in documents() + [("CONTRIBUTING.md", FileIO.readText(top + "/CONTRIBUTING.md") ?? "")] {
            for row in text.split(separator: "\n") where row.hasPrefix("| `") {
                let first = String(row.dropFirst(3).prefix { $0 != "`" })
                XCTAssertFalse(keys.contains(first), "\(name) has a table row for the key \(first): link to nodeguard.toml(5) instead")
            }
        }
    }

    /// The metric names the documents give are the program's, and the
    /// many-hosts how-to gives every one.
    func testMetricNamesInTheDocumentsAreTheProgramsOwn() throws {
        let registry = CheckRegistry.standard
        let families = registry.declarations.flatMap(\.readings).flatMap(\.gauges).map(\.name) + MetricFamilies.own.map(\.name)
            + registry.counters.map(\.name) + Counters.familyNames
        let howTo = try XCTUnwrap(FileIO.readText(top + "/docs/many-hosts.md"))
        for f in families { XCTAssertTrue(howTo.contains("`\(f)`"), "docs/many-hosts.md does not give \(f)") }
        let all = Set(families)
        for (name, text) in documents() + [("nodeguard.8", try manPage())] {
            let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
            // A metric's name: lower case and underscores (not nodeguard_0.2.0_amd64.deb).
            for word in words where word.hasPrefix("nodeguard_") && word.last != "_" && word.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) }) {
                XCTAssertTrue(all.contains(String(word)), "\(name) names \(word), which nodeguard does not write")
            }
        }
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
