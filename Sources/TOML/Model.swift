// What a TOML document reads as: a tree of tables whose every key and value
// keeps its position in the file, so that the config can point at the exact
// spot of a type, range or unknown-key error.

/// A position in the source, 1-based; columns count characters, not bytes.
public struct SourcePosition: Equatable, Comparable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public var description: String { "\(line):\(column)" }
    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLNode])
    case table(TOMLTable)

    /// How the type is named in error messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .dateTime(let d): return d.typeName
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}

/// A value and where it starts: the first character of a scalar, the `[` or
/// `{` of an array or inline table, the header of a table defined by one.
public struct TOMLNode: Equatable, Sendable {
    public var value: TOMLValue
    public var position: SourcePosition
    public init(_ value: TOMLValue, at position: SourcePosition) { self.value = value; self.position = position }
}

/// One key of a table, where it was written and its value.
public struct TOMLEntry: Equatable, Sendable {
    public var key: String
    public var keyPosition: SourcePosition
    public var node: TOMLNode
}

/// A table's keys in the order they were first written.
public struct TOMLTable: Equatable, Sendable {
    public var entries: [TOMLEntry] = []
    public init(entries: [TOMLEntry] = []) { self.entries = entries }
    public subscript(key: String) -> TOMLEntry? { entries.first { $0.key == key } }
}

/// Offset and local date-times, local dates and local times, as written.
public struct TOMLDateTime: Equatable, Sendable, CustomStringConvertible {
    public struct Date: Equatable, Sendable { public var year, month, day: Int }
    public struct Time: Equatable, Sendable { public var hour, minute, second, nanosecond: Int }
    public var date: Date?
    public var time: Time?
    /// Minutes east of UTC; nil for a local date-time, date or time.
    public var offsetMinutes: Int?

    public var typeName: String {
        switch (date != nil, time != nil, offsetMinutes != nil) {
        case (true, true, true): return "a date-time"
        case (true, true, false): return "a local date-time"
        case (true, false, _): return "a local date"
        default: return "a local time"
        }
    }

    /// RFC 3339: "1979-05-27T07:32:00.5-07:00", "1979-05-27", "07:32:00".
    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        var out = ""
        if let d = date { out += "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))" }
        if date != nil && time != nil { out += "T" }
        if let t = time {
            out += "\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2))"
            if t.nanosecond > 0 {
                var frac = pad(t.nanosecond, 9)
                while frac.hasSuffix("0") { frac.removeLast() }
                out += "." + frac
            }
        }
        if let o = offsetMinutes {
            out += o == 0 ? "Z" : "\(o < 0 ? "-" : "+")\(pad(abs(o) / 60, 2)):\(pad(abs(o) % 60, 2))"
        }
        return out
    }
}

/// A syntax error: where, and one line saying what is wrong and what to do.
public struct TOMLError: Error, Equatable, Sendable {
    public var position: SourcePosition
    public var message: String
    public init(position: SourcePosition, message: String) { self.position = position; self.message = message }
}

public enum TOMLKeyPath {
    /// `a."b.c".d` as TOML would write it: bare where it can be, quoted
    /// (with escapes) where it must be.
    public static func display(_ path: [String]) -> String {
        path.map(displayKey).joined(separator: ".")
    }

    public static func displayKey(_ key: String) -> String {
        let bare = !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte)
        return bare ? key : "\"" + Printable.escaped(key, quote: true) + "\""
    }

    static func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
}
