// Monthly bandwidth accounting, exact across daemon restarts, reboots and
// counter resets. vnstat is the reference; its counter arithmetic
// (countercalc) is one small pure function, and so is ours, with the one
// case vnstat gets wrong spelled out: a counter that goes backwards without a
// reboot was reset (interface re-created, driver reset); it did not wrap.

public struct InterfaceCounters: Equatable, Sendable {
    public var name: String
    /// Changes when the interface is re-created: its counters restarted.
    public var ifindex: Int
    public var rx: UInt64
    public var tx: UInt64
    public init(name: String, ifindex: Int, rx: UInt64, tx: UInt64) { self.name = name; self.ifindex = ifindex; self.rx = rx; self.tx = tx }
}

/// What one counter did between two readings.
public enum CounterChange: Equatable, Sendable {
    case delta(UInt64)
    /// Counted from zero: the counter restarted (reset, re-created interface, reboot).
    case reset(UInt64)
    /// A 32-bit counter wrapped once.
    case wrap(UInt64)
    /// More than the link could have carried: discarded.
    case impossible(UInt64)

    public var counted: UInt64 {
        switch self {
        case .delta(let v), .reset(let v), .wrap(let v): return v
        case .impossible: return 0
        }
    }
}

public enum CounterMath {
    static let wrap32: UInt64 = 1 << 32

    /// One counter between two readings. `restarted`: the counter is known to
    /// have started again from zero (reboot, new ifindex). `maxPlausible`: the
    /// most the link could have carried in the time between the readings.
    public static func change(previous: UInt64, current: UInt64, restarted: Bool, maxPlausible: UInt64) -> CounterChange {
        let result: CounterChange
        if restarted {
            result = .reset(current)
        } else if current >= previous {
            result = .delta(current - previous)
        } else if previous < wrap32, wrap32 - previous + current <= maxPlausible {
            // Backwards, from just under 2^32 to just above zero within what
            // the link could carry: a 32-bit counter wrapped.
            result = .wrap(wrap32 - previous + current)
        } else {
            // Backwards otherwise: the counter was reset. Count what it shows
            // now, from zero. (vnstat assumes a wrap here and adds 4 GiB.)
            result = .reset(current)
        }
        if result.counted > maxPlausible { return .impossible(result.counted) }
        return result
    }
}

/// Traffic of one period (a billing month or a day).
public struct PeriodTotal: Equatable, Sendable {
    public var start: CivilDate
    public var rx: UInt64
    public var tx: UInt64
    public init(start: CivilDate, rx: UInt64 = 0, tx: UInt64 = 0) { self.start = start; self.rx = rx; self.tx = tx }
}

public enum CountMode: String, Sendable, CaseIterable {
    case rx, tx, both
    public func counted(rx: UInt64, tx: UInt64) -> UInt64 {
        switch self { case .rx: return rx; case .tx: return tx; case .both: return rx &+ tx }
    }
}

/// Everything that must survive a restart or a reboot, saved as one file.
public struct BandwidthLedger: Equatable, Sendable {
    public struct Seen: Equatable, Sendable {
        public var ifindex: Int
        public var rx: UInt64
        public var tx: UInt64
    }
    public var bootID = ""
    /// CLOCK_BOOTTIME and wall clock at the last reading.
    public var boottime: Double = 0
    public var wall: Double = 0
    /// When accounting started (wall), for the 24 h rate's coverage.
    public var since: Double = 0
    /// The latest billing month seen; never goes back, even if the clock does.
    public var currentMonth: CivilDate?
    public var warnedMonth: CivilDate?
    public var actedMonth: CivilDate?
    public var interfaces: [String: Seen] = [:]
    public var months: [PeriodTotal] = []
    public var days: [PeriodTotal] = []
    /// Hourly buckets (start of hour, wall) for the last day's rate.
    public var hours: [(start: Double, rx: UInt64, tx: UInt64)] = []

    public init() {}

    public var isEmpty: Bool { bootID.isEmpty }

    public static func == (a: BandwidthLedger, b: BandwidthLedger) -> Bool {
        a.bootID == b.bootID && a.boottime == b.boottime && a.wall == b.wall && a.since == b.since
            && a.currentMonth == b.currentMonth && a.warnedMonth == b.warnedMonth && a.actedMonth == b.actedMonth
            && a.interfaces == b.interfaces && a.months == b.months && a.days == b.days
            && a.hours.map(\.start) == b.hours.map(\.start) && a.hours.map(\.rx) == b.hours.map(\.rx) && a.hours.map(\.tx) == b.hours.map(\.tx)
    }

    public func month(_ start: CivilDate) -> PeriodTotal { months.first { $0.start == start } ?? PeriodTotal(start: start) }
    public func day(_ d: CivilDate) -> PeriodTotal { days.first { $0.start == d } ?? PeriodTotal(start: d) }

    mutating func add(rx: UInt64, tx: UInt64, toMonth m: CivilDate) {
        if let i = months.firstIndex(where: { $0.start == m }) { months[i].rx &+= rx; months[i].tx &+= tx }
        else { months.append(PeriodTotal(start: m, rx: rx, tx: tx)); months.sort { $0.start < $1.start } }
        if months.count > 36 { months.removeFirst(months.count - 36) }
    }

    mutating func add(rx: UInt64, tx: UInt64, toDay d: CivilDate) {
        if let i = days.firstIndex(where: { $0.start == d }) { days[i].rx &+= rx; days[i].tx &+= tx }
        else { days.append(PeriodTotal(start: d, rx: rx, tx: tx)); days.sort { $0.start < $1.start } }
        if days.count > 62 { days.removeFirst(days.count - 62) }
    }

    mutating func add(rx: UInt64, tx: UInt64, toHourOf wall: Double) {
        let start = (wall / 3600).rounded(.down) * 3600
        if let i = hours.firstIndex(where: { $0.start == start }) { hours[i].rx &+= rx; hours[i].tx &+= tx }
        else { hours.append((start, rx, tx)); hours.sort { $0.start < $1.start } }
        hours.removeAll { $0.start < wall - 25 * 3600 || $0.start > wall + 3600 }
    }

    // MARK: the state file

    /// Text, one record a line, closed by "end" so a truncated file is detected.
    public func serialized() -> String {
        var s = "# nodeguard bandwidth state; written by nodeguardd, read by `nodeguard bandwidth`\nversion 1\n"
        s += "boot_id \(bootID)\nboottime \(boottime)\nwall \(wall)\nsince \(since)\n"
        if let m = currentMonth { s += "current_month \(m)\n" }
        if let m = warnedMonth { s += "warned \(m)\n" }
        if let m = actedMonth { s += "acted \(m)\n" }
        for name in interfaces.keys.sorted() {
            let i = interfaces[name]!
            s += "iface \(name) \(i.ifindex) \(i.rx) \(i.tx)\n"
        }
        for m in months { s += "month \(m.start) \(m.rx) \(m.tx)\n" }
        for d in days { s += "day \(d.start) \(d.rx) \(d.tx)\n" }
        for h in hours { s += "hour \(Int64(h.start)) \(h.rx) \(h.tx)\n" }
        return s + "end\n"
    }

    public struct Corrupt: Error, Equatable { public var line: Int; public var reason: String }

    public static func parse(_ text: String) throws(Corrupt) -> BandwidthLedger {
        var l = BandwidthLedger()
        var ended = false
        var sawVersion = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: " ")
            guard let kind = line.first, !kind.hasPrefix("#") else { continue }
            if ended { throw Corrupt(line: n + 1, reason: "data after the end marker") }
            func bad() -> Corrupt { Corrupt(line: n + 1, reason: "cannot read `\(raw)`") }
            func u64(_ i: Int) throws(Corrupt) -> UInt64 { guard i < line.count, let v = UInt64(line[i]) else { throw bad() }; return v }
            func dbl(_ i: Int) throws(Corrupt) -> Double { guard i < line.count, let v = Double(line[i]) else { throw bad() }; return v }
            func date(_ i: Int) throws(Corrupt) -> CivilDate { guard i < line.count, let v = CivilDate(line[i]) else { throw bad() }; return v }
            switch kind {
            case "version": guard line.count == 2, line[1] == "1" else { throw Corrupt(line: n + 1, reason: "unknown version") }; sawVersion = true
            case "boot_id": guard line.count == 2 else { throw bad() }; l.bootID = String(line[1])
            case "boottime": l.boottime = try dbl(1)
            case "wall": l.wall = try dbl(1)
            case "since": l.since = try dbl(1)
            case "current_month": l.currentMonth = try date(1)
            case "warned": l.warnedMonth = try date(1)
            case "acted": l.actedMonth = try date(1)
            case "iface":
                guard line.count == 5, let idx = Int(line[2]) else { throw bad() }
                l.interfaces[String(line[1])] = Seen(ifindex: idx, rx: try u64(3), tx: try u64(4))
            case "month": l.months.append(PeriodTotal(start: try date(1), rx: try u64(2), tx: try u64(3)))
            case "day": l.days.append(PeriodTotal(start: try date(1), rx: try u64(2), tx: try u64(3)))
            case "hour": l.hours.append((try dbl(1), try u64(2), try u64(3)))
            case "end": ended = true
            default: throw Corrupt(line: n + 1, reason: "unknown record `\(kind)`")
            }
        }
        guard sawVersion else { throw Corrupt(line: 1, reason: "no version line") }
        guard ended else { throw Corrupt(line: 0, reason: "truncated: no end marker") }
        guard !l.bootID.isEmpty else { throw Corrupt(line: 0, reason: "no boot id") }
        return l
    }
}

/// One reading of the counters, with the clocks it was taken at.
public struct NetworkSample: Sendable {
    public var bootID: String
    /// CLOCK_BOOTTIME seconds: keeps counting across suspend, restarts at boot.
    public var boottime: Double
    public var wall: Double
    public var interfaces: [InterfaceCounters]
    /// Link speed in bytes per second, where the kernel knows it.
    public var linkBytesPerSecond: [String: Double]

    public init(bootID: String, boottime: Double, wall: Double, interfaces: [InterfaceCounters], linkBytesPerSecond: [String: Double] = [:]) {
        self.bootID = bootID; self.boottime = boottime; self.wall = wall; self.interfaces = interfaces; self.linkBytesPerSecond = linkBytesPerSecond
    }
}

/// What one accounting step noticed, for the journal.
public enum AccountingNote: Equatable, Sendable {
    case started
    case reboot
    case reset(interface: String, direction: String, counted: UInt64)
    case wrap(interface: String, direction: String, counted: UInt64)
    case impossible(interface: String, direction: String, bytes: UInt64, limit: UInt64)
    case clockStep(seconds: Double)
    case monthClosed(PeriodTotal)
}

public enum BandwidthAccounting {
    /// When the link speed is unknown (virtio NICs report none): 25 Gbit/s.
    public static let unknownLinkBytesPerSecond = 25e9 / 8

    /// Folds one sample into the ledger. Pure: the ledger is the whole state.
    public static func apply(_ s: NetworkSample, to l: inout BandwidthLedger, calendar: BillingCalendar) -> [AccountingNote] {
        var notes: [AccountingNote] = []
        let month = calendar.monthStart(at: s.wall)
        if l.isEmpty {
            // First run ever: what the counters hold happened before we watched.
            l.bootID = s.bootID
            l.since = s.wall
            l.currentMonth = month
            for i in s.interfaces { l.interfaces[i.name] = .init(ifindex: i.ifindex, rx: i.rx, tx: i.tx) }
            l.boottime = s.boottime
            l.wall = s.wall
            return [.started]
        }
        let rebooted = l.bootID != s.bootID
        if rebooted { notes.append(.reboot) }
        let elapsed = max(0, rebooted ? s.boottime : s.boottime - l.boottime)
        let (rx, tx, seen) = traffic(s, since: l, rebooted: rebooted, elapsed: elapsed, notes: &notes)
        // A clock step: wall time moved differently from the boot clock.
        let stepped = !rebooted && abs((s.wall - l.wall) - elapsed) > 30
        if stepped { notes.append(.clockStep(seconds: (s.wall - l.wall) - elapsed)) }

        // The billing month never goes back: a clock stepped into last month
        // must not reopen it.
        var target = month
        var closed: CivilDate? = nil
        if let current = l.currentMonth, month < current { target = current }
        else if let current = l.currentMonth, month > current { closed = current }
        l.currentMonth = target

        // Split across a boundary in proportion to time when the interval is
        // known (no reboot, no clock step); otherwise all goes to now.
        let from = l.wall, to = s.wall
        let trustInterval = !rebooted && !stepped && to > from
        split(rx: rx, tx: tx, from: from, to: to, boundary: trustInterval ? calendar.monthBounds(target).0 : nil) { r, t, after in
            l.add(rx: r, tx: t, toMonth: after ? target : calendar.monthStart(at: from))
        }
        if let c = closed { notes.append(.monthClosed(l.month(c))) }
        let today = calendar.dateOf(s.wall)
        split(rx: rx, tx: tx, from: from, to: to, boundary: trustInterval ? calendar.dayBounds(today).0 : nil) { r, t, after in
            l.add(rx: r, tx: t, toDay: after ? today : calendar.dateOf(from))
        }
        l.add(rx: rx, tx: tx, toHourOf: s.wall)

        if rebooted { l.bootID = s.bootID }
        l.interfaces = seen
        l.boottime = s.boottime
        l.wall = s.wall
        return notes
    }

    /// The bytes each interface's counters moved since the ledger's reading
    /// (wraps, resets and impossible jumps noted), and the counters seen now.
    static func traffic(_ s: NetworkSample, since l: BandwidthLedger, rebooted: Bool, elapsed: Double,
                        notes: inout [AccountingNote]) -> (rx: UInt64, tx: UInt64, seen: [String: BandwidthLedger.Seen]) {
        var rx: UInt64 = 0, tx: UInt64 = 0
        var seen = rebooted ? [:] : l.interfaces
        for i in s.interfaces {
            let limit = UInt64(min(1.8e19, (s.linkBytesPerSecond[i.name] ?? unknownLinkBytesPerSecond) * elapsed * 1.25 + 65536))
            // After a reboot every counter started from zero. An interface
            // never seen before starts from what it holds now; one that
            // vanished and came back re-created (new ifindex) starts from zero.
            let p: BandwidthLedger.Seen
            let restarted: Bool
            if rebooted {
                p = .init(ifindex: i.ifindex, rx: 0, tx: 0); restarted = true
            } else if let known = l.interfaces[i.name] {
                p = known; restarted = known.ifindex != i.ifindex
            } else {
                seen[i.name] = .init(ifindex: i.ifindex, rx: i.rx, tx: i.tx)
                continue
            }
            for (dir, before, now) in [("rx", p.rx, i.rx), ("tx", p.tx, i.tx)] {
                let c = CounterMath.change(previous: before, current: now, restarted: restarted, maxPlausible: limit)
                switch c {
                case .reset(let v) where !rebooted: notes.append(.reset(interface: i.name, direction: dir, counted: v))
                case .wrap(let v): notes.append(.wrap(interface: i.name, direction: dir, counted: v))
                case .impossible(let v): notes.append(.impossible(interface: i.name, direction: dir, bytes: v, limit: limit))
                default: break
                }
                if dir == "rx" { rx &+= c.counted } else { tx &+= c.counted }
            }
            seen[i.name] = .init(ifindex: i.ifindex, rx: i.rx, tx: i.tx)
        }
        return (rx, tx, seen)
    }

    /// Calls `body` once or twice: the part before `boundary` (after: false) and after it.
    static func split(rx: UInt64, tx: UInt64, from: Double, to: Double, boundary: Double?, _ body: (UInt64, UInt64, Bool) -> Void) {
        guard let b = boundary, from < b, b < to else { body(rx, tx, true); return }
        let share = (to - b) / (to - from)
        let rxAfter = UInt64((Double(rx) * share).rounded()), txAfter = UInt64((Double(tx) * share).rounded())
        body(rx - min(rx, rxAfter), tx - min(tx, txAfter), false)
        body(min(rx, rxAfter), min(tx, txAfter), true)
    }
}
