// Bare values: booleans, integers, floats, date-times. Pure functions on the
// bytes of one value, so each rule of TOML's grammar is tested on its own.

enum Scalars {
    /// The value a bare word stands for, or a one-line reason it is none.
    static func read(_ w: ArraySlice<UInt8>) -> Result<TOMLValue, ScalarError> {
        switch String(decoding: w, as: UTF8.self) {
        case "true": return .success(.boolean(true))
        case "false": return .success(.boolean(false))
        case "inf", "+inf": return .success(.float(.infinity))
        case "-inf": return .success(.float(-.infinity))
        case "nan", "+nan", "-nan": return .success(.float(.nan))
        default: break
        }
        if DateTimes.looksLikeOne(w) { return DateTimes.read(w).map { .dateTime($0) } }
        if w.allSatisfy(isNumberByte) { return Numbers.read(w) }
        let shown = Printable.excerpt(w)
        if let first = w.first, isDigit(first) {
            return .failure(ScalarError("invalid value `\(shown)`; a size or duration with a unit must be quoted, as in \"\(shown)\""))
        }
        return .failure(ScalarError("invalid value `\(shown)`; strings must be quoted, as in \"\(shown)\""))
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// What a number can be made of, prefixes and hex digits included.
    static func isNumberByte(_ c: UInt8) -> Bool {
        isDigit(c) || Cursor.hexValue(c) != nil || c == UInt8(ascii: "_") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            || c == UInt8(ascii: ".") || c == UInt8(ascii: "x") || c == UInt8(ascii: "o")
    }
}

struct ScalarError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

enum Numbers {
    static func read(_ w: ArraySlice<UInt8>) -> Result<TOMLValue, ScalarError> {
        let shown = Printable.excerpt(w)
        func fail(_ why: String) -> Result<TOMLValue, ScalarError> { .failure(ScalarError("invalid number `\(shown)`: \(why)")) }
        var i = w.startIndex
        let sign = w.first == UInt8(ascii: "+") || w.first == UInt8(ascii: "-") ? w.first : nil
        if sign != nil { i += 1 }
        if i + 1 < w.endIndex, w[i] == UInt8(ascii: "0"), let radix = radix(w[i + 1]) {
            if sign != nil { return fail("hexadecimal, octal and binary integers take no sign") }
            return prefixed(w[(i + 2)...], radix: radix, shown: shown)
        }
        let intStart = i
        switch digits(w, &i, radix: 10) {
        case .none: return fail("expected a digit")
        case .badUnderscore: return fail("an underscore must stand between two digits")
        case .ok: break
        }
        if w[intStart] == UInt8(ascii: "0") && i - intStart > 1 { return fail("leading zeros are not allowed") }
        var isFloat = false
        if i < w.endIndex && w[i] == UInt8(ascii: ".") {
            i += 1
            isFloat = true
            guard case .ok = digits(w, &i, radix: 10) else { return fail("a decimal point needs digits on both sides") }
        }
        if i < w.endIndex && (w[i] == UInt8(ascii: "e") || w[i] == UInt8(ascii: "E")) {
            i += 1
            isFloat = true
            if i < w.endIndex && (w[i] == UInt8(ascii: "+") || w[i] == UInt8(ascii: "-")) { i += 1 }
            guard case .ok = digits(w, &i, radix: 10) else { return fail("an exponent needs digits, with underscores only between them") }
        }
        guard i == w.endIndex else { return fail("unexpected `\(Printable.excerpt(w[i...], limit: 1, ellipsis: false))`") }
        let plain = String(decoding: w.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if isFloat {
            guard let d = Double(plain) else { return fail("not a float") }
            return .success(.float(d))
        }
        guard let v = Int64(plain) else {
            return .failure(ScalarError("integer `\(shown)` is out of range; TOML integers are 64-bit, from -9223372036854775808 to 9223372036854775807"))
        }
        return .success(.integer(v))
    }

    static func radix(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "x"): return 16
        case UInt8(ascii: "o"): return 8
        case UInt8(ascii: "b"): return 2
        default: return nil
        }
    }

    /// 0x, 0o, 0b: non-negative, up to 0x7FFFFFFFFFFFFFFF.
    static func prefixed(_ w: ArraySlice<UInt8>, radix: Int, shown: String) -> Result<TOMLValue, ScalarError> {
        var i = w.startIndex
        guard case .ok = digits(w, &i, radix: radix), i == w.endIndex else {
            return .failure(ScalarError("invalid number `\(shown)`: expected base-\(radix) digits after the prefix, with underscores only between them"))
        }
        guard let v = Int64(String(decoding: w.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self), radix: radix) else {
            return .failure(ScalarError("integer `\(shown)` is out of range; TOML integers are 64-bit, up to 0x7FFFFFFFFFFFFFFF"))
        }
        return .success(.integer(v))
    }

    enum Digits { case ok, none, badUnderscore }

    /// One or more digits of `radix`, each underscore between two digits.
    static func digits(_ w: ArraySlice<UInt8>, _ i: inout Int, radix: Int) -> Digits {
        func isDigit(_ c: UInt8) -> Bool { Cursor.hexValue(c).map { Int($0) < radix } ?? false }
        guard i < w.endIndex, isDigit(w[i]) else { return .none }
        i += 1
        while i < w.endIndex {
            if isDigit(w[i]) { i += 1; continue }
            guard w[i] == UInt8(ascii: "_") else { break }
            guard i + 1 < w.endIndex, isDigit(w[i + 1]) else { return .badUnderscore }
            i += 2
        }
        return .ok
    }
}
