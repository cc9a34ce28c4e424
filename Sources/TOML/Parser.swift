// A strict reader for all of TOML 1.0.0 (https://toml.io/en/v1.0.0).
//
// Written by hand rather than taken from a library for the daemon's
// footprint (TOMLKit pulls in Foundation, ~4 MB of RSS) and for positions:
// every key and value keeps its line and column, so that type, range and
// unknown-key errors point at the exact spot. Its limits keep a hostile file
// harmless: a size cap, a nesting cap (recursion is bounded by it), and time
// linear in the file.

public enum TOMLParser {
    /// Larger files are refused whole, never cut.
    public static let maxBytes = 1 << 20
    /// Tables, arrays and inline tables inside each other.
    public static let maxDepth = 64
    /// Values (each array element and inline-table entry too) and table
    /// headers: a nodeguard config holds a few hundred. Past this the file is
    /// refused at once, so no shape of a 1 MiB file takes long to read.
    public static let maxValues = 10_000

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        try parse(bytes: Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        guard bytes.count <= maxBytes else {
            throw TOMLError(position: SourcePosition(line: 1, column: 1),
                            message: "the file is larger than \(maxBytes >> 20) MiB, the most a config may be; nothing in it was used")
        }
        if let bad = UTF8Check.firstInvalid(bytes) {
            var c = Cursor(bytes)
            while c.index < bad { c.advance() }
            throw c.error("invalid UTF-8 (byte \\x\(Printable.hex(UInt32(bytes[bad]), digits: 2))); save the file as UTF-8")
        }
        var p = Parser(cursor: Cursor(bytes), document: Document(maxDepth: maxDepth))
        try p.run()
        return p.document.tree()
    }
}

struct Parser {
    var cursor: Cursor
    var document: Document
    /// Values and headers read so far, against maxValues.
    var counted = 0
    /// Where `key = value` lines go: the table of the last header.
    var current = 0

    mutating func run() throws(TOMLError) {
        while true {
            cursor.skipBlanks()
            guard let c = cursor.peek() else { return }
            if try cursor.takeNewline() { continue }
            if c == UInt8(ascii: "#") {
                try cursor.skipComment()
            } else if c == UInt8(ascii: "[") {
                try header()
            } else {
                try keyValue(into: current)
            }
            try cursor.expectLineEnd(after: c == UInt8(ascii: "[") ? "the table header" : c == UInt8(ascii: "#") ? "the comment" : "the value")
        }
    }

    /// `[a.b]` or `[[a.b]]`.
    /// One more value or header; past maxValues, the file is refused.
    mutating func count(at: SourcePosition) throws(TOMLError) {
        counted += 1
        guard counted <= TOMLParser.maxValues else {
            throw TOMLError(position: at, message: "more than \(TOMLParser.maxValues) values and tables, far more than any config holds; nothing in it was used")
        }
    }

    mutating func header() throws(TOMLError) {
        let at = cursor.position
        try count(at: at)
        let isArray = cursor.peekIs("[", 1)
        cursor.advance(isArray ? 2 : 1)
        cursor.skipBlanks()
        let path = try cursor.parseKey()
        let closing = isArray ? "]]" : "]"
        guard cursor.peekIs("]"), !isArray || cursor.peekIs("]", 1) else {
            throw cursor.error("expected `\(closing)` to close the table header, found \(cursor.shownHere)")
        }
        cursor.advance(closing.utf8.count)
        current = isArray ? try document.appendTable(path, at: at) : try document.defineTable(path, at: at)
    }

    /// `a.b = value` into `table`.
    mutating func keyValue(into table: Int) throws(TOMLError) {
        let path = try cursor.parseKey()
        guard cursor.peekIs("=") else {
            let key = TOMLKeyPath.display(path.map(\.name))
            throw cursor.error("expected `=` after the key `\(key)`, found \(cursor.shownHere)")
        }
        cursor.advance()
        cursor.skipBlanks()
        let depth = document.tables[table].depth + path.count
        let node = try value(depth: depth)
        try document.insert(path, node, into: table)
    }

    mutating func value(depth: Int) throws(TOMLError) -> Document.RawNode {
        let at = cursor.position
        guard let c = cursor.peek(), c != 0x0A, c != 0x0D, c != UInt8(ascii: "#") else {
            throw cursor.error("expected a value after `=`")
        }
        try count(at: at)
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return Document.RawNode(raw: .scalar(.string(try cursor.parseString())), position: at)
        case UInt8(ascii: "["):
            return Document.RawNode(raw: .array(try array(depth: depth)), position: at)
        case UInt8(ascii: "{"):
            return Document.RawNode(raw: .table(try inlineTable(depth: depth)), position: at)
        default:
            let word = cursor.scanWord()
            switch Scalars.read(cursor.bytes[word]) {
            case .success(let v): return Document.RawNode(raw: .scalar(v), position: at)
            case .failure(let e): throw cursor.error(e.message, at: at)
            }
        }
    }

    /// `[ v, v, ]` over any number of lines, with comments.
    mutating func array(depth: Int) throws(TOMLError) -> [Document.RawNode] {
        guard depth <= document.maxDepth else { throw document.depthError(cursor.position) }
        let start = cursor.position
        cursor.advance()
        var items: [Document.RawNode] = []
        while true {
            try cursor.skipArrayFiller()
            guard !cursor.atEnd else { throw cursor.error("unterminated array (opened at \(start)): expected `]`") }
            if cursor.peekIs("]") { cursor.advance(); return items }
            items.append(try value(depth: depth + 1))
            try cursor.skipArrayFiller()
            if cursor.peekIs(",") { cursor.advance(); continue }
            if cursor.peekIs("]") { cursor.advance(); return items }
            if cursor.atEnd { throw cursor.error("unterminated array (opened at \(start)): expected `]`") }
            throw cursor.error("expected `,` or `]` in the array, found \(cursor.shownHere)")
        }
    }

    /// `{ a = 1, b.c = 2 }` on one line; complete once closed.
    mutating func inlineTable(depth: Int) throws(TOMLError) -> Int {
        let firstTable = document.tables.count
        let table = try document.newTable(.dotted, at: cursor.position, depth: depth)
        cursor.advance()
        cursor.skipBlanks()
        if cursor.peekIs("}") {
            cursor.advance()
        } else {
            while true {
                try keyValue(into: table)
                cursor.skipBlanks()
                if cursor.peekIs("}") { cursor.advance(); break }
                guard cursor.peekIs(",") else {
                    let newline = cursor.peek() == 0x0A || cursor.peek() == 0x0D
                    throw cursor.error(newline ? "an inline table must be on one line; close it with `}` or use a [table]"
                                               : "expected `,` or `}` in the inline table, found \(cursor.shownHere)")
                }
                cursor.advance()
                cursor.skipBlanks()
                if cursor.peekIs("}") { throw cursor.error("a trailing comma is not allowed in an inline table") }
            }
        }
        document.seal(since: firstTable)
        return table
    }
}

extension Cursor {
    /// A bare value runs to a blank, a newline, `,`, `]`, `}` or `#`; a date
    /// followed by a space and a time is one value ("1979-05-27 07:32:00").
    mutating func scanWord() -> Range<Int> {
        let start = index
        func ends(_ c: UInt8) -> Bool {
            c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == UInt8(ascii: ",") || c == UInt8(ascii: "]")
                || c == UInt8(ascii: "}") || c == UInt8(ascii: "#")
        }
        while let c = peek(), !ends(c) { advance() }
        if index - start == 10, peek() == 0x20, DateTimes.looksLikeOne(bytes[start..<index]),
           let h = peek(1), let m = peek(2), Scalars.isDigit(h), Scalars.isDigit(m), peekIs(":", 3) {
            advance()
            while let c = peek(), !ends(c) { advance() }
        }
        return start..<index
    }
}
