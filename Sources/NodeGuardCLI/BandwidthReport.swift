// `nodeguard bandwidth`: months and days like `vnstat -m` / `vnstat -d`, with
// the current month's projection and its share of the quota.

import NodeGuardKit
public enum BandwidthReport {
    public static func text(_ l: BandwidthLedger, config: BandwidthConfig, interfaces: String, projection p: BandwidthProjection,
                            calendar: BillingCalendar, months: Int, days: Int) -> String {
        let count = config.count
        var out = "\(interfaces)  billing day \(config.billingDay), counting \(count.rawValue)"
        out += config.quota > 0 ? ", quota \(Size.formatDecimal(config.quota))\n\n" : ", no quota\n\n"
        if l.isEmpty || l.since == 0 {
            return out + "nothing counted yet: nodeguardd has not saved any counts (is it running? systemctl status nodeguard)\n"
        }
        out += "counting since \(TimeFormat.local(l.since))\n\n"
        func row(_ label: String, _ t: PeriodTotal, extra: String = "") -> [String] {
            [label, Size.formatDecimal(t.rx), Size.formatDecimal(t.tx), Size.formatDecimal(t.rx &+ t.tx), Size.formatDecimal(count.counted(rx: t.rx, tx: t.tx)), extra]
        }
        var rows: [[String]] = []
        for m in l.months.suffix(months) {
            var extra = ""
            if m.start == p.month && config.quota > 0 { extra = Share.format(Double(p.used) / Double(config.quota)) + " of quota" }
            rows.append(row("\(m.start)", m, extra: extra))
        }
        if l.months.isEmpty || l.months.last?.start != p.month { rows.append(row("\(p.month)", PeriodTotal(start: p.month))) }
        if let e = p.linearEnd {
            rows.append(["estimated", "", "", "", Size.formatDecimal(e), config.quota > 0 ? Share.format(Double(e) / Double(config.quota)) + " of quota" : ""])
        }
        out += Table.render(header: ["MONTH", "RX", "TX", "TOTAL", "COUNTED", ""], rows: rows)
        if let rate = p.dayRate, let end = p.rateEnd {
            out += "\nat the last 24 hours' rate (\(Size.formatDecimal(UInt64(rate * 86400)))/day): ~\(Size.formatDecimal(end)) by the month's end on \(calendar.dateOf(p.monthEnd - 1))"
            if let at = p.quotaReachedAt { out += "; the quota is reached on \(calendar.dateOf(at))" }
            out += "\n"
        }
        if days > 0 {
            out += "\n" + Table.render(header: ["DAY", "RX", "TX", "TOTAL", "COUNTED", ""], rows: l.days.suffix(days).map { row("\($0.start)", $0) })
        }
        return out
    }

    public static func json(_ l: BandwidthLedger, config: BandwidthConfig, interfaces: [String], projection p: BandwidthProjection,
                            calendar: BillingCalendar, months: Int, days: Int) -> JSON {
        func period(_ t: PeriodTotal) -> JSON {
            .object([("start", .string("\(t.start)")), ("rx", .number(Double(t.rx))), ("tx", .number(Double(t.tx))),
                     ("total", .number(Double(t.rx &+ t.tx))), ("counted", .number(Double(config.count.counted(rx: t.rx, tx: t.tx))))])
        }
        func opt(_ v: UInt64?) -> JSON { v.map { .number(Double($0)) } ?? .null }
        let share: JSON = config.quota > 0 ? .number(Double(p.used) / Double(config.quota)) : .null
        let rate: JSON = p.dayRate.map { .number($0 * 86400) } ?? .null
        let reached: JSON = p.quotaReachedAt.map { .string("\(calendar.dateOf($0))") } ?? .null
        let current: JSON = .object([
            ("month", .string("\(p.month)")), ("used", .number(Double(p.used))), ("quota_share", share),
            ("projected_linear", opt(p.linearEnd)), ("projected_at_day_rate", opt(p.rateEnd)),
            ("day_rate_bytes", rate), ("quota_reached_on", reached),
        ])
        let monthRows: [JSON] = l.months.suffix(months).map(period)
        let dayRows: [JSON] = l.days.suffix(days).map(period)
        let names: [JSON] = interfaces.map { .string($0) }
        return .object([
            ("interfaces", .array(names)),
            ("count", .string(config.count.rawValue)),
            ("billing_day", .number(Double(config.billingDay))),
            ("quota", .number(Double(config.quota))),
            ("since", .number(l.since)),
            ("months", .array(monthRows)),
            ("days", .array(dayRows)),
            ("current", current),
        ])
    }
}
