// A minimal JSON value, writer and reader for the status file and --json
// output. Foundation's JSON coders would cost the daemon megabytes of RSS.

/// Writes one JSON object straight into a byte buffer, without building a
/// JSON value first: the daemon writes its status every cycle.
public struct JSONObjectWriter {
    public private(set) var bytes: [UInt8]
    /// Bit d set: the object or array at depth d has no member yet. Keys are
    /// StaticStrings, copied whole: the status file is written every cycle.
    var empty: UInt64 = 1
    var depth = 0

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// A writer for one array element written elsewhere (`element(_:)`): it
    /// starts with nothing, and its first beginObject opens the element.
    init(capacity: Int, element: Bool) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Members written before by an element writer (`"a":1,"b":2`), as they were.
    mutating func members(_ b: [UInt8]) {
        guard !b.isEmpty else { return }
        separate()
        bytes.append(contentsOf: b)
    }

    /// An element written before by an element writer, as it was.
    mutating func element(_ b: [UInt8]) {
        separate()
        bytes.append(contentsOf: b)
    }

    mutating func separate() {
        let bit: UInt64 = 1 << UInt64(depth)
        if empty & bit != 0 { empty &= ~bit } else { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func key(_ k: StaticString) {
        separate()
        // Keys are this file's own ASCII names: no escaping needed.
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }
    mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        precondition(depth < 64, "JSON nested too deep")
        empty |= 1 << UInt64(depth)
    }
    public mutating func string(_ k: StaticString, _ v: String) { key(k); JSON.quote(v, into: &bytes) }
    public mutating func number(_ k: StaticString, _ v: Double) { key(k); JSON.writeNumber(v, into: &bytes) }
    /// A number with a fixed number of decimals, written with integer
    /// arithmetic: the status file's header is written every cycle, and the
    /// shortest exact form of a Double is costly to find.
    public mutating func number(_ k: StaticString, _ v: Double, decimals: Int) {
        key(k)
        let d = min(max(decimals, 0), 3)
        var unit: Int64 = 1
        for _ in 0..<d { unit *= 10 }
        let scaled = (v * Double(unit)).rounded()
        guard d > 0, abs(scaled) < 1e15 else { JSON.writeNumber(scaled / Double(unit), into: &bytes); return }   // NaN, inf: null
        let whole = Int64(scaled)
        if whole < 0 { bytes.append(UInt8(ascii: "-")) }
        JSON.writeNumber(Double(abs(whole) / unit), into: &bytes)
        var frac = abs(whole) % unit, width = d
        guard frac != 0 else { return }
        while frac % 10 == 0 { frac /= 10; width -= 1 }   // 2.500 is written 2.5
        bytes.append(UInt8(ascii: "."))
        var place: Int64 = 1
        for _ in 1..<width { place *= 10 }
        while place > 0 { bytes.append(UInt8(48 + frac / place % 10)); place /= 10 }   // leading zeros kept: 0.05
    }
    public mutating func bool(_ k: StaticString, _ v: Bool) { key(k); bytes += (v ? "true" : "false").utf8 }
    /// Members under keys of the data's own (a reading kind's figure names), quoted as strings.
    public mutating func number(key k: String, _ v: Double) { quotedKey(k); JSON.writeNumber(v, into: &bytes) }
    public mutating func bool(key k: String, _ v: Bool) { quotedKey(k); bytes += (v ? "true" : "false").utf8 }
    public mutating func string(key k: String, _ v: String) { quotedKey(k); JSON.quote(v, into: &bytes) }
    mutating func quotedKey(_ k: String) {
        separate()
        JSON.quote(k, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }
    /// An array of objects under `k`: call `beginObject` for each element.
    public mutating func beginArray(_ k: StaticString) { key(k); open(UInt8(ascii: "[")) }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); depth -= 1 }
    public mutating func beginObject() { separate(); open(UInt8(ascii: "{")) }
    /// An object under a key of the data's own (a node's name), quoted as a string.
    public mutating func beginObject(key k: String) {
        quotedKey(k)
        open(UInt8(ascii: "{"))
    }
    public mutating func beginObject(_ k: StaticString) { key(k); open(UInt8(ascii: "{")) }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); depth -= 1 }
    public mutating func finish() -> [UInt8] { bytes.append(UInt8(ascii: "}")); bytes.append(0x0A); return bytes }
}

public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }
    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSON]? { if case .array(let a) = self { return a }; return nil }

    /// Written into one byte buffer, not by String concatenation a scalar at
    /// a time: the status file is serialized every cycle (bench/README.md).
    public func serialized(pretty: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(2048)
        write(into: &out, pretty: pretty, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    func write(into out: inout [UInt8], pretty: Bool, depth: Int) {
        func newline(_ d: Int) {
            guard pretty else { return }
            out.append(0x0A)
            for _ in 0..<(2 * d) { out.append(0x20) }
        }
        switch self {
        case .null: out += "null".utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .number(let n): JSON.writeNumber(n, into: &out)
        case .string(let s): JSON.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]".utf8; return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                item.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            if pairs.isEmpty { out += "{}".utf8; return }
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                JSON.quote(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                v.write(into: &out, pretty: pretty, depth: depth + 1)
            }
            newline(depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// Whole numbers as integers, digit by digit; others as Swift prints them.
    static func writeNumber(_ n: Double, into out: inout [UInt8]) {
        if n.isNaN || n.isInfinite { out += "null".utf8; return }
        guard n == n.rounded(), abs(n) < 1e15 else { out += String(n).utf8; return }
        var v = Int64(n)
        if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
        var digits: (UInt64, UInt64) = (0, 0)   // up to 16 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[count] = UInt8(48 + v % 10); v /= 10; count += 1 } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    /// UTF-8 passes through; quotes, backslashes and control characters are escaped.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Almost every string needs no escape: copy it whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { buf -> Bool in
            for b in buf where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: buf)
            return true
        }
        if plain != true {
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""): out += "\\\"".utf8
                case UInt8(ascii: "\\"): out += "\\\\".utf8
                case 0x0A: out += "\\n".utf8
                case 0x0D: out += "\\r".utf8
                case 0x09: out += "\\t".utf8
                case 0..<0x20: out += "\\u00".utf8; out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)])
                default: out.append(b)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public struct ParseError: Error, Equatable { public var offset: Int; public var message: String }

    public static func parse(_ text: String) throws(ParseError) -> JSON {
        var r = Reader(bytes: Array(text.utf8))
        let v = try r.value()
        r.skipSpace()
        guard r.i == r.bytes.count else { throw ParseError(offset: r.i, message: "trailing characters") }
        return v
    }

    struct Reader {
        let bytes: [UInt8]
        var i = 0
        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }
        func fail(_ m: String) -> ParseError { ParseError(offset: i, message: m) }
        mutating func literal(_ word: String, _ v: JSON) throws(ParseError) -> JSON {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("invalid literal") }
            i += w.count
            return v
        }
        mutating func value() throws(ParseError) -> JSON {
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [JSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "{"):
                i += 1
                var pairs: [(String, JSON)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let k = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1
                    pairs.append((k, try value()))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unterminated object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw fail("expected , or }")
                }
            default:
                let start = i
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("invalid value") }
                return .number(d)
            }
        }
        mutating func string() throws(ParseError) -> String {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { throw fail("bad \\u escape") }
                    i += 4
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(v) ?? "?")).utf8))
                default: out.append(e)
                }
            }
            throw fail("unterminated string")
        }
    }
}
