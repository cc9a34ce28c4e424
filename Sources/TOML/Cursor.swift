// Walks the bytes of a TOML file, keeping the line and column of the next
// character as it goes (so a position costs nothing, however long the line).

struct Cursor {
    let bytes: [UInt8]
    private(set) var index: Int
    private(set) var line = 1
    private(set) var column = 1

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte-order mark is allowed at the start, and is no column.
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    var position: SourcePosition { SourcePosition(line: line, column: column) }
    var atEnd: Bool { index >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    func peekIs(_ c: Character, _ offset: Int = 0) -> Bool { peek(offset) == c.asciiValue }

    /// Past one byte. A column is counted at the first byte of a character.
    mutating func advance() {
        let b = bytes[index]
        index += 1
        if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
    }

    mutating func advance(_ n: Int) { for _ in 0..<n { advance() } }

    func error(_ message: String, at position: SourcePosition? = nil) -> TOMLError {
        TOMLError(position: position ?? self.position, message: message)
    }

    /// The character at the cursor for a message: `x`, `\u0007` or "end of file".
    var shownHere: String {
        guard !atEnd else { return "the end of the file" }
        return "`" + Printable.excerpt(bytes[index...], limit: 1, ellipsis: false) + "`"
    }

    // MARK: blanks, newlines, comments

    /// Spaces and tabs.
    mutating func skipBlanks() {
        while let c = peek(), c == 0x20 || c == 0x09 { advance() }
    }

    /// A newline (LF or CRLF) at the cursor, consumed; false if there is none.
    /// A carriage return not followed by LF is an error wherever it stands.
    mutating func takeNewline() throws(TOMLError) -> Bool {
        if peek() == 0x0A { advance(); return true }
        if peek() == 0x0D {
            guard peek(1) == 0x0A else { throw error("a carriage return must be followed by a line feed (CRLF); a bare CR is not a line ending in TOML") }
            advance(2)
            return true
        }
        return false
    }

    /// `# ...` to the end of the line; tab is the only control character allowed.
    mutating func skipComment() throws(TOMLError) {
        guard peek() == UInt8(ascii: "#") else { return }
        advance()
        while let c = peek(), c != 0x0A {
            if c == 0x0D {
                if peek(1) == 0x0A { return }
                throw error("a bare CR in a comment; lines end with LF or CRLF")
            }
            if Cursor.isControl(c) && c != 0x09 {
                throw error("control character \(shownHere) in a comment; remove it")
            }
            advance()
        }
    }

    /// Blanks, an optional comment, then a newline or the end of the file.
    mutating func expectLineEnd(after what: String) throws(TOMLError) {
        skipBlanks()
        try skipComment()
        if atEnd { return }
        if try takeNewline() { return }
        throw error("unexpected \(shownHere) after \(what); one key = value per line")
    }

    /// Blanks, newlines and comments, as allowed between array items.
    mutating func skipArrayFiller() throws(TOMLError) {
        while true {
            skipBlanks()
            if peek() == UInt8(ascii: "#") { try skipComment() }
            if !(try takeNewline()) { return }
        }
    }

    static func isControl(_ c: UInt8) -> Bool { c < 0x20 || c == 0x7F }
}
