// Billing months and days in local time. A billing month starts at local
// midnight on `billing_day` (1-28, so every month has that day) and ends at
// the next one. Pure arithmetic on civil dates; the time zone is the host's
// (glibc mktime/localtime_r), passed in as functions so tests can pin it.
#if canImport(Glibc)
import Glibc
#endif

/// A civil date, no time zone.
public struct CivilDate: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int   // 1-12
    public var day: Int     // 1-31

    public init(_ year: Int, _ month: Int, _ day: Int) { self.year = year; self.month = month; self.day = day }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// "2026-11-01"
    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public init?(_ text: Substring) {
        let p = text.split(separator: "-")
        guard p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        self.init(y, m, d)
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public func addingMonths(_ n: Int) -> CivilDate {
        let idx = year * 12 + (month - 1) + n
        let y = idx / 12, m = idx % 12 + 1
        return CivilDate(y, m, min(day, CivilDate.daysIn(y, m)))
    }

    public func addingDays(_ n: Int) -> CivilDate {
        var d = self
        var left = n
        while left > 0 {
            if d.day < CivilDate.daysIn(d.year, d.month) { d.day += 1 } else { d.day = 1; d = d.month == 12 ? CivilDate(d.year + 1, 1, 1) : CivilDate(d.year, d.month + 1, 1) }
            left -= 1
        }
        while left < 0 {
            if d.day > 1 { d.day -= 1 } else { d = d.month == 1 ? CivilDate(d.year - 1, 12, 31) : CivilDate(d.year, d.month - 1, CivilDate.daysIn(d.year, d.month - 1)) }
            left += 1
        }
        return d
    }
}

public struct BillingCalendar: Sendable {
    public var billingDay: Int
    let toDate: @Sendable (Double) -> CivilDate
    let toMidnight: @Sendable (CivilDate) -> Double
    let memo = Memo()

    /// glibc's mktime and localtime re-check /etc/localtime on every call; a
    /// cycle asks for the same day and month again and again, so the answers
    /// are kept until the wall clock leaves the day.
    final class Memo: @unchecked Sendable {
        var day: (date: CivilDate, start: Double, end: Double)?
        var midnights: [CivilDate: Double] = [:]
    }

    public init(billingDay: Int,
                dateOf: @escaping @Sendable (Double) -> CivilDate = BillingCalendar.localDate,
                midnight: @escaping @Sendable (CivilDate) -> Double = BillingCalendar.localMidnight) {
        self.billingDay = billingDay
        self.toDate = dateOf
        self.toMidnight = midnight
    }

    /// Wall seconds -> local civil date.
    public func dateOf(_ wall: Double) -> CivilDate {
        if let d = memo.day, wall >= d.start, wall < d.end { return d.date }
        let date = toDate(wall)
        let start = midnight(date), end = midnight(date.addingDays(1))
        if wall >= start && wall < end { memo.day = (date, start, end) }
        return date
    }

    /// Local midnight at the start of a date, in wall seconds.
    public func midnight(_ d: CivilDate) -> Double {
        if let m = memo.midnights[d] { return m }
        let m = toMidnight(d)
        if memo.midnights.count > 16 { memo.midnights.removeAll() }
        memo.midnights[d] = m
        return m
    }

    /// The first day of the billing month that holds `date`.
    public func monthStart(containing date: CivilDate) -> CivilDate {
        let candidate = CivilDate(date.year, date.month, billingDay)
        return date >= candidate ? candidate : candidate.addingMonths(-1)
    }

    public func monthStart(at wall: Double) -> CivilDate { monthStart(containing: dateOf(wall)) }

    /// [start, end) of the billing month starting on `start`, in wall seconds.
    public func monthBounds(_ start: CivilDate) -> (Double, Double) {
        (midnight(start), midnight(start.addingMonths(1)))
    }

    public func dayBounds(_ day: CivilDate) -> (Double, Double) { (midnight(day), midnight(day.addingDays(1))) }

    public static let localDate: @Sendable (Double) -> CivilDate = { wall in
        var t = time_t(wall.rounded(.down))
        var tmv = tm()
        localtime_r(&t, &tmv)
        return CivilDate(Int(tmv.tm_year) + 1900, Int(tmv.tm_mon) + 1, Int(tmv.tm_mday))
    }

    public static let localMidnight: @Sendable (CivilDate) -> Double = { d in
        var tmv = tm()
        tmv.tm_year = Int32(d.year - 1900)
        tmv.tm_mon = Int32(d.month - 1)
        tmv.tm_mday = Int32(d.day)
        tmv.tm_isdst = -1   // let mktime decide daylight saving time
        return Double(mktime(&tmv))
    }

    /// A fixed-offset calendar (UTC + offset) for tests.
    public static func fixed(billingDay: Int, utcOffset: Double = 0) -> BillingCalendar {
        BillingCalendar(billingDay: billingDay,
                        dateOf: { wall in civil(fromDays: Int(((wall + utcOffset) / 86400).rounded(.down))) },
                        midnight: { d in Double(days(from: d)) * 86400 - utcOffset })
    }

    /// Days since 1970-01-01 (Howard Hinnant's civil-from-days, proleptic Gregorian).
    public static func days(from d: CivilDate) -> Int {
        let y = d.month <= 2 ? d.year - 1 : d.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (d.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + d.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civil(fromDays z0: Int) -> CivilDate {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return CivilDate(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
