// RFC 3339 date-times as TOML takes them: 1979-05-27T07:32:00Z,
// 1979-05-27 07:32:00.999-07:00, 1979-05-27T07:32:00, 1979-05-27, 07:32:00.

enum DateTimes {
    /// A date (4 digits and `-`) or a time (2 digits and `:`).
    static func looksLikeOne(_ w: ArraySlice<UInt8>) -> Bool {
        let b = Array(w.prefix(5))
        let d = b.map(Scalars.isDigit)
        if b.count == 5, d[0], d[1], d[2], d[3], b[4] == UInt8(ascii: "-") { return true }
        return b.count >= 3 && d[0] && d[1] && b[2] == UInt8(ascii: ":")
    }

    static func read(_ w: ArraySlice<UInt8>) -> Result<TOMLDateTime, ScalarError> {
        var r = Reader(bytes: w, i: w.startIndex)
        do throws(ScalarError) {
            let value = try r.dateTime()
            guard r.i == w.endIndex else { throw r.fail("unexpected `\(Printable.excerpt(w[r.i...], limit: 1, ellipsis: false))` after it") }
            return .success(value)
        } catch {
            return .failure(ScalarError("invalid date-time `\(Printable.excerpt(w))`: \(error.message)"))
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var i: Int

        func fail(_ why: String) -> ScalarError { ScalarError(why) }

        mutating func dateTime() throws(ScalarError) -> TOMLDateTime {
            var out = TOMLDateTime()
            if i + 2 < bytes.endIndex, bytes[i + 2] == UInt8(ascii: ":") {
                out.time = try time()
                return out
            }
            out.date = try date()
            guard i < bytes.endIndex else { return out }
            guard [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[i]) else {
                throw fail("expected T or a space between the date and the time")
            }
            i += 1
            out.time = try time()
            guard i < bytes.endIndex else { return out }
            out.offsetMinutes = try offset()
            return out
        }

        mutating func date() throws(ScalarError) -> TOMLDateTime.Date {
            let year = try number(4, "the year")
            try expect("-")
            let month = try number(2, "the month")
            try expect("-")
            let day = try number(2, "the day")
            guard (1...12).contains(month) else { throw fail("month \(month) is not 01 to 12") }
            let days = DateTimes.daysIn(month: month, year: year)
            guard (1...days).contains(day) else { throw fail("day \(day) is not in month \(month) of \(year), which has \(days)") }
            return TOMLDateTime.Date(year: year, month: month, day: day)
        }

        mutating func time() throws(ScalarError) -> TOMLDateTime.Time {
            let hour = try number(2, "the hour")
            try expect(":")
            let minute = try number(2, "the minutes")
            try expect(":")
            let second = try number(2, "the seconds")
            // A leap second (:60) is refused, as Go's and Python's TOML readers
            // do: its rules depend on a date and an offset a local time lacks.
            guard hour < 24, minute < 60, second < 60 else { throw fail("\(hour):\(minute):\(second) is not a time of day (00:00:00 to 23:59:59)") }
            var nanos = 0
            if i < bytes.endIndex && bytes[i] == UInt8(ascii: ".") {
                i += 1
                var count = 0
                while i < bytes.endIndex, Scalars.isDigit(bytes[i]) {
                    // Beyond nanoseconds the digits are cut, not rounded, as TOML asks.
                    if count < 9 { nanos = nanos * 10 + Int(bytes[i] - 0x30) }
                    count += 1
                    i += 1
                }
                guard count > 0 else { throw fail("a decimal point in the seconds needs digits after it") }
                for _ in count..<max(count, 9) { nanos *= 10 }
            }
            return TOMLDateTime.Time(hour: hour, minute: minute, second: second, nanosecond: nanos)
        }

        /// Z, or +HH:MM / -HH:MM: minutes east of UTC.
        mutating func offset() throws(ScalarError) -> Int {
            let c = bytes[i]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") { i += 1; return 0 }
            guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else { throw fail("expected Z, +HH:MM or -HH:MM after the time") }
            i += 1
            let hours = try number(2, "the offset's hours")
            try expect(":")
            let minutes = try number(2, "the offset's minutes")
            guard hours < 24, minutes < 60 else { throw fail("offset \(hours):\(minutes) is out of range") }
            return (c == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + minutes)
        }

        mutating func number(_ digits: Int, _ what: String) throws(ScalarError) -> Int {
            var v = 0
            for _ in 0..<digits {
                guard i < bytes.endIndex, Scalars.isDigit(bytes[i]) else { throw fail("\(what) must be \(digits) digits") }
                v = v * 10 + Int(bytes[i] - 0x30)
                i += 1
            }
            return v
        }

        mutating func expect(_ c: Character) throws(ScalarError) {
            guard i < bytes.endIndex else { throw fail("cut short; a date is YYYY-MM-DD and a time HH:MM:SS") }
            guard bytes[i] == c.asciiValue else { throw fail("expected `\(c)`") }
            i += 1
        }
    }
}
