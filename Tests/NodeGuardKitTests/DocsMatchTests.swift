// The user documents against the program: the README's event table, the
// man page's check names and exit codes. A test, so that they cannot drift.
import XCTest
@testable import NodeGuardKit

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
