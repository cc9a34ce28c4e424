// Where the month stands and where it will end, and the quota decisions:
// warn and act once per billing month, re-armed by the month's rollover.

public struct BandwidthProjection: Equatable, Sendable {
    public var month: CivilDate
    public var monthStart: Double
    public var monthEnd: Double
    public var rx: UInt64
    public var tx: UInt64
    /// As bandwidth.count counts.
    public var used: UInt64
    /// Month-end estimate, linear in the month's elapsed time (the part of it
    /// nodeguard watched); nil in the first hour.
    public var linearEnd: UInt64?
    /// Bytes per second over the last 24 hours (or what of them was watched).
    public var dayRate: Double?
    /// Month-end estimate at the last 24 hours' rate.
    public var rateEnd: UInt64?
    /// When the quota is reached at the last 24 hours' rate, if within this month.
    public var quotaReachedAt: Double?
}

public enum BandwidthRules {
    public static func projection(_ l: BandwidthLedger, calendar: BillingCalendar, count: CountMode, quota: UInt64, now: Double) -> BandwidthProjection {
        let month = l.currentMonth ?? calendar.monthStart(at: now)
        let (start, end) = calendar.monthBounds(month)
        let m = l.month(month)
        let used = count.counted(rx: m.rx, tx: m.tx)
        var p = BandwidthProjection(month: month, monthStart: start, monthEnd: end, rx: m.rx, tx: m.tx, used: used)
        // Counting may have started mid-month: extrapolate from what was watched.
        let watched = now - max(start, l.since)
        if watched >= 3600, end > now {
            p.linearEnd = used &+ UInt64((Double(used) / watched * (end - now)).rounded())
        }
        let covered = min(86400, now - l.since)
        if covered >= 600 {
            var recent: UInt64 = 0
            for h in l.hours where h.start > now - 86400 { recent &+= count.counted(rx: h.rx, tx: h.tx) }
            let rate = Double(recent) / covered
            p.dayRate = rate
            p.rateEnd = used &+ UInt64((rate * max(0, end - now)).rounded())
            if quota > 0, used < quota, rate > 0 {
                let at = now + Double(quota - used) / rate
                if at < end { p.quotaReachedAt = at }
            }
        }
        return p
    }

    public enum Decision: Equatable, Sendable { case warn, act }

    /// What passed its share of the quota for the first time this month; the
    /// ledger remembers it, so a restart of nodeguard does not repeat it.
    public static func decide(_ l: inout BandwidthLedger, projection p: BandwidthProjection, quota: UInt64, warnAt: Double, actionAt: Double) -> [Decision] {
        guard quota > 0 else { return [] }
        var out: [Decision] = []
        let used = Double(p.used)
        if used >= warnAt * Double(quota), l.warnedMonth != p.month {
            l.warnedMonth = p.month
            out.append(.warn)
        }
        if used >= actionAt * Double(quota), l.actedMonth != p.month {
            l.actedMonth = p.month
            out.append(.act)
        }
        return out
    }
}
