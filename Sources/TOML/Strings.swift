// Keys and the four kinds of string: basic "...", literal '...', and their
// multi-line forms """...""" and '''...'''.

/// One part of a dotted key, with where it was written.
struct KeyPart {
    var name: String
    var position: SourcePosition
}

extension Cursor {
    /// `a`, `"a b"`, `'a'`, or several joined by dots: `a."b.c".d`.
    mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            parts.append(try parseSimpleKey())
            skipBlanks()
            guard peekIs(".") else { return parts }
            advance()
            skipBlanks()
        }
    }

    mutating func parseSimpleKey() throws(TOMLError) -> KeyPart {
        let at = position
        if peekIs("\"") || peekIs("'") {
            if peek(1) == peek(), peek(2) == peek() {
                throw error("a multi-line string cannot be a key; write the key on one line")
            }
            return KeyPart(name: peekIs("\"") ? try parseBasicString() : try parseLiteralString(), position: at)
        }
        let start = index
        while let c = peek(), TOMLKeyPath.isBareKeyByte(c) { advance() }
        guard index > start else {
            throw error("expected a key, found \(shownHere); a key is letters, digits, _ and -, or a quoted string")
        }
        return KeyPart(name: String(decoding: bytes[start..<index], as: UTF8.self), position: at)
    }

    mutating func parseString() throws(TOMLError) -> String {
        let multiLine = peek(1) == peek() && peek(2) == peek()
        if peekIs("\"") { return multiLine ? try parseMultiLineString(basic: true) : try parseBasicString() }
        return multiLine ? try parseMultiLineString(basic: false) : try parseLiteralString()
    }

    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = position
        advance()
        var out: [UInt8] = []
        while true {
            guard let c = peek(), c != 0x0A, c != 0x0D || peek(1) != 0x0A else {
                throw error("unterminated string: expected a closing `\"` on the same line", at: start)
            }
            if c == UInt8(ascii: "\"") { advance(); break }
            if c == UInt8(ascii: "\\") { try parseEscape(into: &out); continue }
            try checkStringByte(c)
            out.append(c)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        let start = position
        advance()
        let from = index
        while true {
            guard let c = peek(), c != 0x0A, c != 0x0D || peek(1) != 0x0A else {
                throw error("unterminated string: expected a closing `'` on the same line", at: start)
            }
            if c == UInt8(ascii: "'") { break }
            try checkStringByte(c)
            advance()
        }
        let s = String(decoding: bytes[from..<index], as: UTF8.self)
        advance()
        return s
    }

    /// """...""" and '''...''': a newline right after the opening quotes is
    /// not part of the string; up to two quotes may stand before the closing three.
    mutating func parseMultiLineString(basic: Bool) throws(TOMLError) -> String {
        let start = position
        let quote = bytes[index]
        advance(3)
        _ = try takeNewline()
        var out: [UInt8] = []
        while true {
            guard let c = peek() else {
                throw error("unterminated multi-line string: expected closing \(basic ? "\"\"\"" : "'''")", at: start)
            }
            if c == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                if run >= 3 {
                    guard run <= 5 else { throw error("too many quotes: at most two may stand before the closing three") }
                    out.append(contentsOf: repeatElement(quote, count: run - 3))
                    advance(run)
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(contentsOf: repeatElement(quote, count: run))
                advance(run)
            } else if c == UInt8(ascii: "\\") && basic {
                if try !skipLineEndingBackslash() { try parseEscape(into: &out) }
            } else if c == 0x0A || c == 0x0D {
                _ = try takeNewline()
                out.append(0x0A)
            } else {
                try checkStringByte(c)
                out.append(c)
                advance()
            }
        }
    }

    /// A `\` that ends a line trims it and every blank and newline after it.
    mutating func skipLineEndingBackslash() throws(TOMLError) -> Bool {
        var k = 1
        while let c = peek(k), c == 0x20 || c == 0x09 { k += 1 }
        guard peek(k) == 0x0A || (peek(k) == 0x0D && peek(k + 1) == 0x0A) else { return false }
        advance(k)
        while true {
            skipBlanks()
            if !(try takeNewline()) { return true }
        }
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLError) {
        let at = position
        advance()
        guard let e = peek() else { throw error("unterminated escape at the end of the file", at: at) }
        if let v = Cursor.simpleEscape(e) { out.append(v); advance(); return }
        guard e == UInt8(ascii: "u") || e == UInt8(ascii: "U") else {
            throw error("invalid escape `\\\(Printable.excerpt(bytes[index...], limit: 1, ellipsis: false))`; use \\\\ for a backslash, or \\n, \\t, \\\", \\uXXXX", at: at)
        }
        let digits = e == UInt8(ascii: "u") ? 4 : 8
        advance()
        var v: UInt32 = 0
        for _ in 0..<digits {
            guard let h = peek(), let d = Cursor.hexValue(h) else {
                throw error("invalid unicode escape: \\\(Character(Unicode.Scalar(e))) takes exactly \(digits) hex digits", at: at)
            }
            v = v << 4 | d
            advance()
        }
        guard let scalar = Unicode.Scalar(v) else {
            throw error("invalid unicode escape: U+\(Printable.hex(v, digits: 4)) is not a Unicode scalar value", at: at)
        }
        out.append(contentsOf: Array(String(scalar).utf8))
    }

    /// Tab is the only control character a string may hold as it is.
    func checkStringByte(_ c: UInt8) throws(TOMLError) {
        if Cursor.isControl(c) && c != 0x09 {
            if c == 0x0D { throw error("a carriage return must be followed by a line feed; write \\r for a CR in a string") }
            throw error("control character \(shownHere) in a string; write it as an escape such as \\u\(Printable.hex(UInt32(c), digits: 4))")
        }
    }

    /// \" \\ \b \t \n \f \r: TOML 1.0 has no others but \u and \U.
    static func simpleEscape(_ e: UInt8) -> UInt8? {
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): return e
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "r"): return 0x0D
        default: return nil
        }
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
