// A strict parser for the subset of TOML that nodeguard's config uses.
//
// Written by hand rather than taken from a library for two reasons: the
// daemon's footprint (TOMLKit pulls in Foundation, ~4 MB of RSS), and error
// positions: every value keeps its line and column so that type, range and
// unknown-key errors point at the exact spot. TOML features outside the
// subset are rejected by name, never misread.

/// A position in the source, 1-based.
public struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
}

public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLNode])

    /// How the type is named in error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .array: return "an array"
        }
    }
}

public struct TOMLNode: Equatable, Sendable {
    public var value: TOMLValue
    public var position: SourcePosition
}

/// One `key = value` line, with the table it sits in.
public struct TOMLEntry: Equatable, Sendable {
    public var table: String          // "" for the top level
    public var key: String
    public var keyPosition: SourcePosition
    public var node: TOMLNode
}

public struct TOMLTable: Equatable, Sendable {
    public var name: String
    public var position: SourcePosition
}

public struct TOMLDocument: Equatable, Sendable {
    public var tables: [TOMLTable] = []
    public var entries: [TOMLEntry] = []
}

public struct TOMLError: Error, Equatable, Sendable {
    public var position: SourcePosition
    public var message: String
}

public enum TOMLParser {
    public static func parse(_ text: String) throws(TOMLError) -> TOMLDocument {
        var p = Cursor(Array(text.utf8))
        var doc = TOMLDocument()
        var table = ""
        var seenKeys = Set<String>()      // "table\0key"
        var seenTables = Set<String>()
        while true {
            p.skipBlank()
            guard let c = p.peek() else { break }
            if c == UInt8(ascii: "\n") { p.advance(); continue }
            if c == UInt8(ascii: "#") { try p.skipComment(); continue }
            let start = p.position
            if c == UInt8(ascii: "[") {
                if p.peek(1) == UInt8(ascii: "[") {
                    throw TOMLError(position: start, message: "arrays of tables (`[[...]]`) are not supported by nodeguard's config; use a plain [table]")
                }
                p.advance()
                p.skipBlank()
                var parts: [String] = []
                while true {
                    parts.append(try p.parseKeyPart())
                    p.skipBlank()
                    if p.peek() == UInt8(ascii: ".") { p.advance(); p.skipBlank(); continue }
                    break
                }
                guard p.peek() == UInt8(ascii: "]") else {
                    throw TOMLError(position: p.position, message: "expected `]` to close the table header")
                }
                p.advance()
                try p.expectLineEnd()
                table = parts.joined(separator: ".")
                if !seenTables.insert(table).inserted {
                    throw TOMLError(position: start, message: "table [\(table)] is defined twice")
                }
                doc.tables.append(TOMLTable(name: table, position: start))
                continue
            }
            let key = try p.parseKeyPart()
            p.skipBlank()
            if p.peek() == UInt8(ascii: ".") {
                throw TOMLError(position: start, message: "dotted keys (`\(key).…`) are not supported by nodeguard's config; put the key under a [\(key)] table")
            }
            guard p.peek() == UInt8(ascii: "=") else {
                throw TOMLError(position: p.position, message: "expected `=` after key `\(key)`")
            }
            p.advance()
            p.skipBlank()
            let node = try p.parseValue()
            try p.expectLineEnd()
            if !seenKeys.insert(table + "\u{0}" + key).inserted {
                throw TOMLError(position: start, message: "key `\(key)` is defined twice\(table.isEmpty ? "" : " in [\(table)]")")
            }
            doc.entries.append(TOMLEntry(table: table, key: key, keyPosition: start, node: node))
        }
        return doc
    }
}

private struct Cursor {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var lineStart = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var position: SourcePosition {
        // Columns count characters, not bytes, so a UTF-8 comment before a
        // value does not shift the reported column.
        var col = 1
        var i = lineStart
        while i < index { if bytes[i] & 0xC0 != 0x80 { col += 1 }; i += 1 }
        return SourcePosition(line: line, column: col)
    }

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = index + offset
        return i < bytes.count ? bytes[i] : nil
    }

    mutating func advance() {
        if bytes[index] == UInt8(ascii: "\n") { line += 1; lineStart = index + 1 }
        index += 1
    }

    mutating func skipBlank() {
        while let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
            if c == UInt8(ascii: "\r") && peek(1) != UInt8(ascii: "\n") { return }
            advance()
        }
    }

    mutating func skipComment() throws(TOMLError) {
        while let c = peek(), c != UInt8(ascii: "\n") {
            if c < 0x20 && c != UInt8(ascii: "\t") && c != UInt8(ascii: "\r") {
                throw TOMLError(position: position, message: "control character in a comment")
            }
            advance()
        }
    }

    /// After a value or header only blanks and a comment may follow.
    mutating func expectLineEnd() throws(TOMLError) {
        skipBlank()
        guard let c = peek() else { return }
        if c == UInt8(ascii: "#") { try skipComment(); return }
        if c == UInt8(ascii: "\n") { advance(); return }
        throw TOMLError(position: position, message: "unexpected `\(Character(Unicode.Scalar(c)))` after the value; one key = value per line")
    }

    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    mutating func parseKeyPart() throws(TOMLError) -> String {
        guard let c = peek() else { throw TOMLError(position: position, message: "expected a key") }
        if c == UInt8(ascii: "\"") {
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw TOMLError(position: position, message: "a multi-line string cannot be a key")
            }
            return try parseBasicString()
        }
        if c == UInt8(ascii: "'") { return try parseLiteralString() }
        let start = index
        while let c = peek(), Cursor.isBareKeyByte(c) { advance() }
        if index == start {
            throw TOMLError(position: position, message: "expected a key, found `\(Character(Unicode.Scalar(c)))`")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func parseValue() throws(TOMLError) -> TOMLNode {
        let pos = position
        guard let c = peek(), c != UInt8(ascii: "\n"), c != UInt8(ascii: "#") else {
            throw TOMLError(position: pos, message: "expected a value after `=`")
        }
        switch c {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                throw TOMLError(position: pos, message: "multi-line strings (\"\"\") are not supported by nodeguard's config; write the value on one line")
            }
            return TOMLNode(value: .string(try parseBasicString()), position: pos)
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                throw TOMLError(position: pos, message: "multi-line strings (''') are not supported by nodeguard's config; write the value on one line")
            }
            return TOMLNode(value: .string(try parseLiteralString()), position: pos)
        case UInt8(ascii: "["):
            return TOMLNode(value: .array(try parseArray()), position: pos)
        case UInt8(ascii: "{"):
            throw TOMLError(position: pos, message: "inline tables (`{ ... }`) are not supported by nodeguard's config; use a [table] with one key per line")
        default:
            return try parseScalarWord(at: pos)
        }
    }

    mutating func parseArray() throws(TOMLError) -> [TOMLNode] {
        advance() // [
        var items: [TOMLNode] = []
        while true {
            skipArrayFiller()
            guard let c = peek() else { throw TOMLError(position: position, message: "unterminated array: expected `]`") }
            if c == UInt8(ascii: "]") { advance(); return items }
            items.append(try parseValue())
            skipArrayFiller()
            guard let d = peek() else { throw TOMLError(position: position, message: "unterminated array: expected `]`") }
            if d == UInt8(ascii: ",") { advance(); continue }
            if d == UInt8(ascii: "]") { advance(); return items }
            throw TOMLError(position: position, message: "expected `,` or `]` in the array")
        }
    }

    /// Blanks, newlines and comments are allowed between array items.
    mutating func skipArrayFiller() {
        while let c = peek() {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") { advance(); continue }
            if c == UInt8(ascii: "#") { while let d = peek(), d != UInt8(ascii: "\n") { advance() }; continue }
            return
        }
    }

    mutating func parseBasicString() throws(TOMLError) -> String {
        let start = position
        advance() // opening quote
        var out: [UInt8] = []
        while true {
            guard let c = peek(), c != UInt8(ascii: "\n") else {
                throw TOMLError(position: start, message: "unterminated string: expected a closing `\"` on the same line")
            }
            if c == UInt8(ascii: "\"") { advance(); break }
            if c == UInt8(ascii: "\\") {
                let escPos = position
                advance()
                guard let e = peek() else { throw TOMLError(position: escPos, message: "unterminated escape") }
                advance()
                switch e {
                case UInt8(ascii: "\""): out.append(e)
                case UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    var v: UInt32 = 0
                    for _ in 0..<n {
                        guard let h = peek(), let d = hexValue(h) else {
                            throw TOMLError(position: escPos, message: "invalid unicode escape: expected \(n) hex digits")
                        }
                        v = v * 16 + d
                        advance()
                    }
                    guard let scalar = Unicode.Scalar(v) else {
                        throw TOMLError(position: escPos, message: "invalid unicode escape: not a Unicode scalar value")
                    }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw TOMLError(position: escPos, message: "invalid escape `\\\(Character(Unicode.Scalar(e)))` in a string")
                }
                continue
            }
            if c < 0x20 && c != UInt8(ascii: "\t") {
                throw TOMLError(position: position, message: "control character in a string; use an escape")
            }
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
            guard let c = peek(), c != UInt8(ascii: "\n") else {
                throw TOMLError(position: start, message: "unterminated string: expected a closing `'` on the same line")
            }
            if c == UInt8(ascii: "'") { break }
            advance()
        }
        let s = String(decoding: bytes[from..<index], as: UTF8.self)
        advance()
        return s
    }

    /// Integers, floats, booleans; dates and bare words are recognised to
    /// give a precise error.
    mutating func parseScalarWord(at pos: SourcePosition) throws(TOMLError) -> TOMLNode {
        let from = index
        while let c = peek(), !(c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n")
                                || c == UInt8(ascii: "#") || c == UInt8(ascii: ",") || c == UInt8(ascii: "]")) {
            advance()
        }
        var word = String(decoding: bytes[from..<index], as: UTF8.self)
        // A date-time may carry a space between date and time: "1979-05-27 07:32:00".
        if isDate(word) {
            throw TOMLError(position: pos, message: "dates and times are not supported by nodeguard's config; write a duration such as \"30s\" or a string")
        }
        if word == "true" { return TOMLNode(value: .boolean(true), position: pos) }
        if word == "false" { return TOMLNode(value: .boolean(false), position: pos) }
        if word == "inf" || word == "+inf" { return TOMLNode(value: .float(.infinity), position: pos) }
        if word == "-inf" { return TOMLNode(value: .float(-.infinity), position: pos) }
        if word == "nan" || word == "+nan" || word == "-nan" { return TOMLNode(value: .float(.nan), position: pos) }
        if let i = parseInteger(word) { return TOMLNode(value: .integer(i), position: pos) }
        if let f = parseFloat(word) { return TOMLNode(value: .float(f), position: pos) }
        if word.isEmpty { word = String(Character(Unicode.Scalar(peek() ?? 0x20))) }
        if word.first.map({ $0.isNumber }) == true {
            throw TOMLError(position: pos, message: "invalid value `\(word)`; a size or duration with a unit must be quoted, as in \"\(word)\"")
        }
        throw TOMLError(position: pos, message: "invalid value `\(word)`; strings must be quoted, as in \"\(word)\"")
    }

    func isDate(_ w: String) -> Bool {
        let b = Array(w.utf8)
        func digit(_ i: Int) -> Bool { i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
        if b.count >= 10, digit(0), digit(1), digit(2), digit(3), b[4] == UInt8(ascii: "-"), digit(5), digit(6), b[7] == UInt8(ascii: "-") { return true }
        if b.count >= 8, digit(0), digit(1), b[2] == UInt8(ascii: ":"), digit(3), digit(4), b[5] == UInt8(ascii: ":") { return true }
        return false
    }

    func parseInteger(_ w: String) -> Int64? {
        var s = Substring(w)
        var negative = false
        if s.hasPrefix("+") || s.hasPrefix("-") { negative = s.first == "-"; s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if s.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        if radix != 10 && (negative || w.hasPrefix("+")) { return nil }
        guard !s.isEmpty, s.first != "_", s.last != "_", !s.contains("__") else { return nil }
        if radix == 10 && s.count > 1 && s.first == "0" { return nil } // leading zeros are invalid TOML
        let digits = s.filter { $0 != "_" }
        guard let v = Int64(digits, radix: radix) else { return nil }
        return negative ? -v : v
    }

    func parseFloat(_ w: String) -> Double? {
        let allowed = Set("0123456789+-.eE_")
        guard !w.isEmpty, w.allSatisfy({ allowed.contains($0) }), !w.contains("__") else { return nil }
        // TOML requires digits on both sides of the point and no leading zeros.
        let b = Array(w.utf8)
        let digitsStart = (b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-")) ? 1 : 0
        if b.count > digitsStart + 1, b[digitsStart] == UInt8(ascii: "0"), b[digitsStart + 1] >= 0x30, b[digitsStart + 1] <= 0x39 { return nil }
        for (i, c) in b.enumerated() where c == UInt8(ascii: ".") {
            guard i > 0, i + 1 < b.count, (b[i - 1] >= 0x30 && b[i - 1] <= 0x39), (b[i + 1] >= 0x30 && b[i + 1] <= 0x39) else { return nil }
        }
        return Double(w.filter { $0 != "_" })
    }

    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
