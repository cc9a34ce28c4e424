// Text from a config file shown in an error message or a log line: one line,
// and nothing a terminal would act on (an escape sequence in a value must not
// recolour or rewrite the operator's screen).

public enum Printable {
    /// `s` with C0 and C1 controls, DEL, line and paragraph separators and
    /// bidirectional overrides written as escapes (\n, \t, \u001B). With
    /// `quote`, `"` and `\` are escaped too, for text shown between quotes.
    public static func escaped(_ s: String, quote: Bool = false) -> String {
        if !s.utf8.contains(where: { needsLook($0, quote: quote) }) { return s }
        var out = ""
        for scalar in s.unicodeScalars { append(scalar, to: &out, quote: quote) }
        return out
    }

    /// Every run of more than `limit` bytes without a space (a key, a value,
    /// a path written 1 MiB long) cut to its first 60 characters, saying how
    /// long it was: a message stays a line an operator can read. On bytes:
    /// it runs over whole messages.
    public static func cutLongWords(_ s: String, limit: Int = 200) -> String {
        guard s.utf8.count > limit else { return s }
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            var end = i
            while end < bytes.count && bytes[end] != 0x20 { end += 1 }
            if end - i > limit {
                out += startOf(bytes[i..<end], characters: 60)
                out += Array("… (\(characterCount(core(bytes[i..<end]))) characters)".utf8)
            } else {
                out += bytes[i..<end]
            }
            if end < bytes.count { out.append(0x20) }
            i = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The first `n` characters (scalars) of UTF-8 bytes.
    static func startOf(_ b: ArraySlice<UInt8>, characters n: Int) -> ArraySlice<UInt8> {
        var seen = 0, j = b.startIndex
        while j < b.endIndex {
            if b[j] & 0xC0 != 0x80 { if seen == n { break }; seen += 1 }
            j += 1
        }
        return b[b.startIndex..<j]
    }

    static func characterCount(_ b: ArraySlice<UInt8>) -> Int { b.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) } }

    /// A word without the quotes and punctuation a message puts around it.
    static func core(_ word: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var w = word
        while let c = w.first, Array("`\"'(".utf8).contains(c) { w = w.dropFirst() }
        while let c = w.last, Array("`\"'),;:.".utf8).contains(c) { w = w.dropLast() }
        return w
    }

    /// At most `limit` characters of raw bytes for a message, escaped as
    /// above, invalid UTF-8 as \xNN, and `…` when cut.
    public static func excerpt(_ bytes: ArraySlice<UInt8>, limit: Int = 40, ellipsis: Bool = true) -> String {
        var out = ""
        var shown = 0
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if shown == limit { return ellipsis ? out + "…" : out }
            if let (scalar, length) = UTF8Check.decode(bytes, at: i) {
                append(scalar, to: &out, quote: false)
                i += length
            } else {
                out += "\\x" + hex(UInt32(bytes[i]), digits: 2)
                i += 1
            }
            shown += 1
        }
        return out
    }

    static func needsLook(_ b: UInt8, quote: Bool) -> Bool {
        b < 0x20 || b == 0x7F || b >= 0x80 || (quote && (b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")))
    }

    static func append(_ scalar: Unicode.Scalar, to out: inout String, quote: Bool) {
        let v = scalar.value
        switch v {
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0D: out += "\\r"
        case 0x22 where quote: out += "\\\""
        case 0x5C where quote: out += "\\\\"
        case 0x00..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069:
            out += "\\u" + hex(v, digits: 4)
        default: out.unicodeScalars.append(scalar)
        }
    }

    static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}

/// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
/// above U+10FFFF.
enum UTF8Check {
    /// The scalar starting at `i` and its length in bytes; nil if invalid.
    static func decode(_ b: ArraySlice<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int, minimum: UInt32
        var v: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80; v = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; v = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; v = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= b.endIndex else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            v = v << 6 | UInt32(c & 0x3F)
        }
        guard v >= minimum, let scalar = Unicode.Scalar(v) else { return nil }
        return (scalar, length)
    }

    /// The offset of the first byte that does not start valid UTF-8.
    static func firstInvalid(_ b: [UInt8]) -> Int? {
        var i = 0
        let all = b[...]
        while i < b.count {
            if b[i] < 0x80 { i += 1; continue }
            guard let (_, n) = decode(all, at: i) else { return i }
            i += n
        }
        return nil
    }
}
