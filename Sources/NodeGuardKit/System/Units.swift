// Sizes, shares and durations as users write them in the config:
// "1.2GiB", "500MB", "80%", "30s", "7d". Pure parsing and formatting.

public struct UnitError: Error, Equatable, Sendable {
    public var message: String
}

public enum Size {
    static let units: [(String, Double)] = [
        ("B", 1),
        ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12),
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
    ]
    static let unitList = "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB"

    /// Bytes from "1.2GiB", "500 MB", "0B". A bare number is refused: "100"
    /// could mean bytes or megabytes, and a wrong guess restarts the node.
    public static func parse(_ text: String) throws(UnitError) -> UInt64 {
        let (number, unit) = splitNumber(text)
        guard let value = number else {
            throw UnitError(message: "`\(text)` is not a size; write a number and a unit, as in \"1.2GiB\" or \"500MB\"")
        }
        guard !unit.isEmpty else {
            throw UnitError(message: "size `\(text)` has no unit; write it with one of \(unitList), as in \"\(value >= 0 ? text.trimmingBlanks() : "500")MiB\"")
        }
        guard let factor = units.first(where: { $0.0 == unit })?.1 else {
            let hint = units.first(where: { $0.0.lowercased() == unit.lowercased() }).map { " (did you mean `\($0.0)`?)" } ?? ""
            throw UnitError(message: "unknown size unit `\(unit)` in `\(text)`\(hint); use one of \(unitList)")
        }
        let bytes = value * factor
        guard bytes >= 0, bytes < 1.8e19 else { throw UnitError(message: "size `\(text)` is out of range") }
        return UInt64(bytes.rounded())
    }

    /// Binary units, the way `free -h` and `systemctl status` print memory.
    public static func format(_ bytes: UInt64) -> String {
        let b = Double(bytes)
        if b >= 1_099_511_627_776 { return trim(b / 1_099_511_627_776) + " TiB" }
        if b >= 1_073_741_824 { return trim(b / 1_073_741_824) + " GiB" }
        if b >= 1_048_576 { return trim(b / 1_048_576) + " MiB" }
        if b >= 1024 { return trim(b / 1024) + " KiB" }
        return "\(bytes) B"
    }

    /// Decimal units, as providers bill traffic: "312 GB", "1.6 TB".
    public static func formatDecimal(_ bytes: UInt64) -> String {
        let b = Double(bytes)
        if b >= 1e12 { return trim(b / 1e12) + " TB" }
        if b >= 1e9 { return trim(b / 1e9) + " GB" }
        if b >= 1e6 { return trim(b / 1e6) + " MB" }
        if b >= 1e3 { return trim(b / 1e3) + " kB" }
        return "\(bytes) B"
    }

    /// One decimal below 100, none above: "1.2 GiB", "812 MiB".
    static func trim(_ v: Double) -> String {
        if v >= 100 { return String(Int(v.rounded())) }
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }
}

public enum Share {
    /// A fraction 0...1 from "80%" or "7.5%".
    public static func parse(_ text: String) throws(UnitError) -> Double {
        let (number, unit) = splitNumber(text)
        guard let value = number else {
            throw UnitError(message: "`\(text)` is not a share; write a percentage, as in \"80%\"")
        }
        guard unit == "%" else {
            if unit.isEmpty { throw UnitError(message: "share `\(text)` has no unit; write it as a percentage, as in \"\(value >= 0 && value <= 100 ? text.trimmingBlanks() : "80")%\"") }
            throw UnitError(message: "unknown unit `\(unit)` in `\(text)`; a share is written as a percentage, as in \"80%\"")
        }
        guard value >= 0, value <= 100 else {
            throw UnitError(message: "share `\(text)` is out of range; it must be between 0% and 100%")
        }
        return value / 100
    }

    public static func format(_ fraction: Double) -> String {
        let pct = fraction * 100
        if pct >= 10 || pct == 0 { return "\(Int(pct.rounded()))%" }
        return Size.trim(pct) + "%"
    }
}

public enum TimeSpan {
    static let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]

    /// Seconds from "30s", "10m", "6h", "7d", "1.5h", "500ms", "1h30m" (spaces
    /// allowed: "1h 30m", as nodeguard prints durations). `range`: what the key
    /// takes, so that a hint never suggests a value it refuses.
    public static func parse(_ text: String, range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws(UnitError) -> Double {
        // No duration is written in 64 characters or more: not scanned further.
        let t = text.utf8.count < 64 ? text.trimmingBlanks().replacingSpaces() : "?"
        guard !t.isEmpty else { throw UnitError(message: "empty duration; write a number and a unit, as in \"30s\"") }
        var rest = Substring(t)
        var total = 0.0
        while !rest.isEmpty {
            let numEnd = rest.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? rest.endIndex
            let unitEnd = rest[numEnd...].firstIndex { $0.isASCII && ($0.isNumber || $0 == ".") } ?? rest.endIndex
            let number = rest[rest.startIndex..<numEnd], unit = String(rest[numEnd..<unitEnd])
            guard let value = Double(number), number.first != ".", number.last != "." else {
                throw UnitError(message: "`\(text)` is not a duration; write a number and a unit (ms, s, m, h or d; units may be combined: 1h30m), as in \"\(example(range))\"")
            }
            guard !unit.isEmpty else {
                let hint = number.count == t.count && range.contains(value) ? "\(t)s" : example(range)
                throw UnitError(message: "duration `\(text)` has no unit; write it with ms, s, m, h or d, as in \"\(hint)\"")
            }
            guard let factor = units.first(where: { $0.0 == unit })?.1 else {
                throw UnitError(message: "unknown duration unit `\(unit)` in `\(text)`; use ms, s, m, h or d")
            }
            total += value * factor
            rest = rest[unitEnd...]
        }
        return total
    }

    /// 30 s, or the nearest value the key takes.
    static func example(_ range: ClosedRange<Double>) -> String {
        format(Swift.max(range.lowerBound, Swift.min(range.upperBound, 30))).replacingSpaces()
    }

    /// "45s", "12m", "3h 20m", "2d 4h".
    public static func format(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        // 0.9996 s rounds to 1 s, not to "1000ms".
        let ms = Int((seconds * 1000).rounded())
        if seconds > 0 && ms < 1000 { return "\(ms)ms" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return s % 60 == 0 ? "\(s / 60)m" : "\(s / 60)m \(s % 60)s" }
        if s < 86400 { let m = (s % 3600) / 60; return m == 0 ? "\(s / 3600)h" : "\(s / 3600)h \(m)m" }
        let h = (s % 86400) / 3600
        return h == 0 ? "\(s / 86400)d" : "\(s / 86400)d \(h)h"
    }
}

/// "1.2GiB" -> (1.2, "GiB"); "12 MB" -> (12, "MB"). Blanks around are ignored.
func splitNumber(_ text: String) -> (Double?, String) {
    // No size or share is written in 64 characters or more: not scanned further.
    guard text.utf8.count < 64 else { return (nil, "?") }
    let t = text.trimmingBlanks()
    var end = t.startIndex
    for i in t.indices {
        let c = t[i]
        if c.isASCII && (c.isNumber || c == "." || (i == t.startIndex && (c == "-" || c == "+"))) { end = t.index(after: i) } else { break }
    }
    let num = String(t[t.startIndex..<end])
    let unit = String(t[end...]).trimmingBlanks()
    guard !num.isEmpty, num != ".", num.first != ".", num.last != "." else { return (nil, unit) }
    return (Double(num), unit)
}

extension String {
    /// A C buffer's text up to its first NUL (gethostname, an error buffer).
    public init(nulTerminated buf: [CChar]) {
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }

    public func trimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// "1 restart", "2 restarts": a count and its noun, as a person writes it.
public func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
}
