import XCTest
@testable import NodeGuardKit

final class TOMLParserTests: XCTestCase {
    func testParsesTheSubsetWithPositions() throws {
        let doc = try TOMLParser.parse("""
        # comment
        interval = "10s"   # trailing comment
        'quoted key' = 'literal \\n'
        n = -42
        hex = 0xff
        f = 1_000.5e1
        on = true
        list = [
          "a",   # comment inside
          "b",
        ]

        [node]
        unit = "dmo.service"
        empty = []
        esc = "tab\\tquote\\" \\u00e9"
        """)
        XCTAssertEqual(doc.tables, [TOMLTable(name: "node", position: SourcePosition(line: 13, column: 1))])
        let e = Dictionary(uniqueKeysWithValues: doc.entries.map { ($0.key, $0) })
        XCTAssertEqual(e["interval"]?.node.value, .string("10s"))
        XCTAssertEqual(e["interval"]?.node.position, SourcePosition(line: 2, column: 12))
        XCTAssertEqual(e["quoted key"]?.node.value, .string("literal \\n"))
        XCTAssertEqual(e["n"]?.node.value, .integer(-42))
        XCTAssertEqual(e["hex"]?.node.value, .integer(255))
        XCTAssertEqual(e["f"]?.node.value, .float(10005))
        XCTAssertEqual(e["on"]?.node.value, .boolean(true))
        guard case .array(let items)? = e["list"]?.node.value else { return XCTFail("list") }
        XCTAssertEqual(items.map(\.value), [.string("a"), .string("b")])
        XCTAssertEqual(items[1].position, SourcePosition(line: 10, column: 3))
        XCTAssertEqual(e["unit"]?.table, "node")
        XCTAssertEqual(e["empty"]?.node.value, .array([]))
        XCTAssertEqual(e["esc"]?.node.value, .string("tab\tquote\" é"))
    }

    func testColumnsCountCharactersNotBytes() throws {
        let doc = try TOMLParser.parse("\"é\" = \"x\"\n")
        XCTAssertEqual(doc.entries[0].key, "é")
        XCTAssertEqual(doc.entries[0].node.position, SourcePosition(line: 1, column: 7))
    }

    /// Syntax errors: the exact line:column and a message that says what to do.
    func testSyntaxErrors() {
        let cases: [(String, Int, Int, String)] = [
            ("a = \"open\n", 1, 5, "unterminated string"),
            ("a = 1 2\n", 1, 7, "one key = value per line"),
            ("\n\n  a 1\n", 3, 5, "expected `=`"),
            ("a = \n", 1, 5, "expected a value"),
            ("[node\n", 1, 6, "expected `]`"),
            ("a = 1\na = 2\n", 2, 1, "defined twice"),
            ("[x]\n[x]\n", 2, 1, "table [x] is defined twice"),
            ("a = [1, 2\n", 2, 1, "unterminated array"),
            ("a = \"\\q\"\n", 1, 6, "invalid escape"),
            ("a = 10s\n", 1, 5, "must be quoted, as in \"10s\""),
            ("a = yes\n", 1, 5, "strings must be quoted"),
            ("a = 007\n", 1, 5, "invalid value"),
            ("= 1\n", 1, 1, "expected a key"),
        ]
        for (text, line, col, fragment) in cases {
            XCTAssertThrowsError(try TOMLParser.parse(text), text) { error in
                guard let e = error as? TOMLError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.position, SourcePosition(line: line, column: col), "\(text): \(e.message)")
                XCTAssertTrue(e.message.contains(fragment), "\(text): \(e.message)")
            }
        }
    }

    /// Valid TOML the parser does not support is refused by name, never misread.
    func testUnsupportedFeaturesAreRejectedByName() {
        let cases: [(String, Int, Int, String)] = [
            ("a = { b = 1 }\n", 1, 5, "inline tables"),
            ("[[servers]]\n", 1, 1, "arrays of tables"),
            ("a = \"\"\"\nmulti\n\"\"\"\n", 1, 5, "multi-line strings"),
            ("a = '''x'''\n", 1, 5, "multi-line strings"),
            ("memory.restart_above = \"1GiB\"\n", 1, 1, "dotted keys"),
            ("when = 1979-05-27T07:32:00Z\n", 1, 8, "dates and times"),
            ("t = 07:32:00\n", 1, 5, "dates and times"),
        ]
        for (text, line, col, fragment) in cases {
            XCTAssertThrowsError(try TOMLParser.parse(text), text) { error in
                guard let e = error as? TOMLError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.position, SourcePosition(line: line, column: col), "\(text): \(e.message)")
                XCTAssertTrue(e.message.contains(fragment) && e.message.contains("not supported"), "\(text): \(e.message)")
            }
        }
    }
}
