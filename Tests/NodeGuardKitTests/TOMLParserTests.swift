import XCTest
import TOML

/// The value at a key path, such as node(doc, "a", "b").
func node(_ table: TOMLTable, _ path: String...) -> TOMLNode? {
    var t = table
    for (i, key) in path.enumerated() {
        guard let e = t[key] else { return nil }
        if i == path.count - 1 { return e.node }
        guard case .table(let inner) = e.node.value else { return nil }
        t = inner
    }
    return nil
}

func parseError(_ text: String) -> TOMLError? { parseError(bytes: Array(text.utf8)) }
func parseError(bytes: [UInt8]) -> TOMLError? {
    do { _ = try TOMLParser.parse(bytes: bytes); return nil } catch { return error }
}

final class TOMLParserTests: XCTestCase {
    func testReadsWithPositions() throws {
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
        XCTAssertEqual(node(doc, "node")?.position, SourcePosition(line: 13, column: 1))
        XCTAssertEqual(doc["node"]?.keyPosition, SourcePosition(line: 13, column: 2))
        XCTAssertEqual(node(doc, "interval"), TOMLNode(.string("10s"), at: SourcePosition(line: 2, column: 12)))
        XCTAssertEqual(node(doc, "quoted key")?.value, .string("literal \\n"))
        XCTAssertEqual(node(doc, "n")?.value, .integer(-42))
        XCTAssertEqual(node(doc, "hex")?.value, .integer(255))
        XCTAssertEqual(node(doc, "f")?.value, .float(10005))
        XCTAssertEqual(node(doc, "on")?.value, .boolean(true))
        guard case .array(let items)? = node(doc, "list")?.value else { return XCTFail("list") }
        XCTAssertEqual(items.map(\.value), [.string("a"), .string("b")])
        XCTAssertEqual(items[1].position, SourcePosition(line: 10, column: 3))
        XCTAssertEqual(node(doc, "node", "unit")?.value, .string("dmo.service"))
        XCTAssertEqual(node(doc, "node", "empty")?.value, .array([]))
        XCTAssertEqual(node(doc, "node", "esc")?.value, .string("tab\tquote\" é"))
        XCTAssertEqual(doc.entries.map(\.key), ["interval", "quoted key", "n", "hex", "f", "on", "list", "node"], "file order")
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
            ("a = 007\n", 1, 5, "leading zeros are not allowed"),
            ("= 1\n", 1, 1, "expected a key"),
        ]
        for (text, line, col, fragment) in cases {
            guard let e = parseError(text) else { XCTFail("accepted: \(text)"); continue }
            XCTAssertEqual(e.position, SourcePosition(line: line, column: col), "\(text): \(e.message)")
            XCTAssertTrue(e.message.contains(fragment), "\(text): \(e.message)")
        }
    }
}
