// What TOML 1.0 refuses, refused with line:col and one line; what it allows
// but the old subset reader misread, read right; the limits that keep a
// hostile file harmless.
import XCTest
import TOML

final class TOMLStrictTests: XCTestCase {
    func check(_ cases: [(String, Int, Int, String)], file: StaticString = #filePath, line: UInt = #line) {
        for (text, l, c, fragment) in cases {
            guard let e = parseError(bytes: Array(text.utf8)) else { XCTFail("accepted: \(text.debugDescription)", file: file, line: line); continue }
            XCTAssertEqual(e.position, SourcePosition(line: l, column: c), "\(text.debugDescription): \(e.message)", file: file, line: line)
            XCTAssertTrue(e.message.contains(fragment), "\(text.debugDescription): \(e.message)", file: file, line: line)
            XCTAssertFalse(e.message.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "one printable line: \(e.message.debugDescription)", file: file, line: line)
        }
    }

    func testControlCharactersAndCarriageReturns() {
        check([
            ("a = \"x\u{01}y\"\n", 1, 7, "control character `\\u0001` in a string"),
            ("a = \"x\u{7F}\"\n", 1, 7, "control character `\\u007F` in a string"),
            ("a = 'x\u{0B}'\n", 1, 7, "control character `\\u000B` in a string"),
            ("a = \"\"\"\nx\u{1F}\"\"\"\n", 2, 2, "control character `\\u001F`"),
            ("a = '''\nx\u{00}'''\n", 2, 2, "control character `\\u0000`"),
            ("# bell \u{07}\na = 1\n", 1, 8, "control character `\\u0007` in a comment"),
            ("a = 1 # nul \u{00}\n", 1, 13, "in a comment"),
            ("# cr \r here\n", 1, 6, "bare CR"),
            ("a = 1\r", 1, 6, "bare CR"),
            ("a = \"x\ry\"\n", 1, 7, "carriage return"),
            ("a = \"\"\"x\ry\"\"\"\n", 1, 9, "bare CR"),
        ])
    }

    func testInvalidUTF8() {
        let cases: [([UInt8], Int, Int)] = [
            (Array("a = \"".utf8) + [0xFF] + Array("\"\n".utf8), 1, 6),
            (Array("# é ".utf8) + [0xC3, 0x28] + [0x0A], 1, 5),       // a lead byte without its continuation
            (Array("a = 1\nb = '".utf8) + [0xC0, 0xAF, 0x27], 2, 6),  // an overlong "/"
            (Array("k = \"".utf8) + [0xED, 0xA0, 0x80, 0x22], 1, 6),  // a UTF-16 surrogate
            (Array("k = \"".utf8) + [0xF4, 0x90, 0x80, 0x80, 0x22], 1, 6), // above U+10FFFF
            (Array("k = \"".utf8) + [0xE2, 0x82], 1, 6),              // cut short at the end
        ]
        for (bytes, line, col) in cases {
            guard let e = parseError(bytes: bytes) else { XCTFail("accepted \(bytes)"); continue }
            XCTAssertEqual(e.position, SourcePosition(line: line, column: col), e.message)
            XCTAssertTrue(e.message.hasPrefix("invalid UTF-8"), e.message)
        }
    }

    func testNumbers() {
        check([
            ("max_restarts = --3\n", 1, 16, "invalid number `--3`"),
            ("a = 0x+3\n", 1, 5, "expected base-16 digits"),
            ("a = +0x10\n", 1, 5, "take no sign"),
            ("a = -0o7\n", 1, 5, "take no sign"),
            ("a = 1_\n", 1, 5, "underscore must stand between two digits"),
            ("a = 1__0\n", 1, 5, "underscore"),
            ("a = _1\n", 1, 5, "expected a digit"),
            ("a = 1e_5\n", 1, 5, "exponent"),
            ("a = 1.\n", 1, 5, "digits on both sides"),
            ("a = 1.e3\n", 1, 5, "digits on both sides"),
            ("a = .5\n", 1, 5, "expected a digit"),
            ("a = 00.5\n", 1, 5, "leading zeros"),
            ("a = 0_1\n", 1, 5, "leading zeros"),
            ("a = 9223372036854775808\n", 1, 5, "out of range"),
            ("a = -9223372036854775809\n", 1, 5, "out of range"),
            ("a = 0x8000000000000000\n", 1, 5, "out of range"),
            ("a = 0b102\n", 1, 5, "base-2"),
            ("a = 1979-02-29\n", 1, 5, "day 29 is not in month 2 of 1979"),
            ("a = 1979-05-27T24:00:00\n", 1, 5, "not a time of day"),
            ("a = 1979-05-27T07:32:00+24:00\n", 1, 5, "offset"),
            ("a = 07:32\n", 1, 5, "cut short; a date is YYYY-MM-DD and a time HH:MM:SS"),
        ])
    }

    func testRedefinitionsByKeyPath() {
        check([
            ("[a]\nb = 1\n[a]\n", 3, 1, "table [a] is defined twice (first at 1:1)"),
            ("a.b = 1\n[a]\n", 2, 1, "already made by dotted keys"),
            ("[a]\nb.c = 1\n[a.b]\n", 3, 1, "table [a.b] was already made by dotted keys"),
            ("[a.b]\n[a]\nb.c = 1\n", 3, 1, "defined by a [header] at 1:1"),
            ("a = {b = 1}\na.c = 2\n", 2, 1, "inline table"),
            ("a = {b = 1}\n[a.c]\n", 2, 1, "inline table"),
            ("a = [1]\n[[a]]\n", 2, 1, "adds only to arrays of tables"),
            ("[[a]]\n[a]\n", 2, 1, "use [[a]] to add to it"),
            ("a = 1\na.b = 2\n", 2, 1, "already holds an integer"),
            ("a.b = 1\na.b = 2\n", 2, 3, "key `a.b` is defined twice (first at 1:3)"),
            ("\"a\" = 1\n'a' = 2\n", 2, 1, "defined twice"),
            ("a = {b = 1, b = 2}\n", 1, 13, "defined twice"),
            ("a = {b = 1,}\n", 1, 12, "trailing comma"),
            ("a = {b = 1\n}\n", 1, 11, "must be on one line"),
        ])
    }

    func testValidTOMLTheOldReaderMisread() throws {
        let doc = try TOMLParser.parse("x = 0\n[\"\"]\nx = 1\n[a.\"b.c\"]\nx = 2\n[a.b.c]\nx = 3\n")
        XCTAssertEqual(node(doc, "x")?.value, .integer(0), "[\"\"] is a table named by the empty key, not the top level")
        XCTAssertEqual(node(doc, "", "x")?.value, .integer(1))
        XCTAssertEqual(node(doc, "a", "b.c", "x")?.value, .integer(2), "one key \"b.c\"")
        XCTAssertEqual(node(doc, "a", "b", "c", "x")?.value, .integer(3), "three keys b, c")

        let bom = try TOMLParser.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1\n".utf8))
        XCTAssertEqual(node(bom, "a"), TOMLNode(.integer(1), at: SourcePosition(line: 1, column: 5)))

        XCTAssertEqual(node(try TOMLParser.parse("a = -9223372036854775808"), "a")?.value, .integer(.min))
        XCTAssertEqual(node(try TOMLParser.parse("a = 0x7FFF_FFFF_FFFF_FFFF"), "a")?.value, .integer(.max))
    }

    /// Positions stay exact inside multi-line strings and inline tables.
    func testPositionsAfterMultiLineValues() throws {
        let doc = try TOMLParser.parse("""
        s = \"\"\"
        one \\
            two\"\"\"
        t = { x = 1, y = "é", z.w = 2 }
        l = '''
        a
        b'''
        k = [ 1,
              2 ] # done
        """)
        XCTAssertEqual(node(doc, "s")?.value, .string("one two"))
        XCTAssertEqual(doc["t"]?.keyPosition, SourcePosition(line: 4, column: 1))
        XCTAssertEqual(node(doc, "t", "y"), TOMLNode(.string("é"), at: SourcePosition(line: 4, column: 18)))
        XCTAssertEqual(node(doc, "t", "z", "w")?.position, SourcePosition(line: 4, column: 29))
        XCTAssertEqual(node(doc, "l")?.value, .string("a\nb"))
        guard case .array(let k)? = node(doc, "k")?.value else { return XCTFail() }
        XCTAssertEqual(k[1].position, SourcePosition(line: 9, column: 7))
    }

    func testSizeLimitRefusesWholeNeverCuts() throws {
        var padded = Array("# padding\n".utf8)
        while padded.count < TOMLParser.maxBytes - 40 { padded += Array("# a comment line to fill the file up\n".utf8) }
        let inLimit = padded + Array("[node]\nunit = \"x\"\n".utf8)
        XCTAssertLessThanOrEqual(inLimit.count, TOMLParser.maxBytes)
        XCTAssertEqual(node(try TOMLParser.parse(bytes: inLimit), "node", "unit")?.value, .string("x"), "the table after the padding is read")
        let over = padded + Array("[node]\nunit = \"x\"\n# and more, past 1 MiB\n".utf8)
        XCTAssertGreaterThan(over.count, TOMLParser.maxBytes)
        let e = parseError(bytes: over)
        XCTAssertEqual(e?.message, "the file is larger than 1 MiB, the most a config may be; nothing in it was used")
    }

    func testNestingIsBoundedNotACrash() throws {
        func arrays(_ n: Int) -> String { "a = " + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "\n" }
        XCTAssertNil(parseError(arrays(TOMLParser.maxDepth)))
        XCTAssertTrue(parseError(arrays(TOMLParser.maxDepth + 1))?.message.contains("nested deeper than 64 levels") == true)
        let headers = "[" + Array(repeating: "t", count: TOMLParser.maxDepth).joined(separator: ".") + "]\n"
        XCTAssertNil(parseError(headers))
        XCTAssertNotNil(parseError("[" + Array(repeating: "t", count: TOMLParser.maxDepth + 1).joined(separator: ".") + "]\n"))
        // Far past any stack: refused with a position, quickly.
        for hostile in [
            "a = " + String(repeating: "[", count: 200_000),
            "a = " + String(repeating: "{b=", count: 100_000),
            Array(repeating: "k", count: 100_000).joined(separator: ".") + " = 1",
            "a = " + String(repeating: "[{x = ", count: 50_000),
            String(repeating: "[[", count: 100_000),
        ] {
            let e = parseError(hostile)
            XCTAssertNotNil(e, String(hostile.prefix(20)))
        }
    }

    func testLongLinesAndHugeValues() throws {
        // A 225 KiB one-line array of paths (the old reader took 12 s on 250 KiB),
        // within the 10,000 values a document may hold.
        let paths = (0..<9_000).map { "\"/var/lib/docker/volumes/v\($0)\"" }.joined(separator: ", ")
        let doc = try TOMLParser.parse("paths = [\(paths)]\n")
        guard case .array(let items)? = node(doc, "paths")?.value else { return XCTFail() }
        XCTAssertEqual(items.count, 9_000)
        XCTAssertEqual(items.last?.position.line, 1)
        XCTAssertEqual(items.last?.position.column, 10 + paths.count - "\"/var/lib/docker/volumes/v8999\"".count)
        let open = parseError("a = \"" + String(repeating: "x", count: 500_000))
        XCTAssertEqual(open?.position, SourcePosition(line: 1, column: 5))
    }

    func testErrorsShowKeysAndValuesEscaped() {
        check([
            ("\"a\\nb\" 1\n", 1, 8, "expected `=` after the key `\"a\\nb\"`"),
            ("a = \u{1B}[31mred\n", 1, 5, "invalid value `\\u001B[31mred`"),
            ("a = 1\u{85}\n", 1, 5, "`1\\u0085`"),
            ("a = 1 \u{202E}x\n", 1, 7, "unexpected `\\u202E`"),
        ])
    }
}
