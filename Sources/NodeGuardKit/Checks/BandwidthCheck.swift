// Traffic per billing month: the counters read and folded into the ledger,
// the month projected, the quota's warning and action once a month, the
// ledger saved durably.
#if canImport(Glibc)
import Glibc
#endif

final class BandwidthCheck: Keeping {
    static let declaration = CheckDeclaration("bandwidth", readings: [month], reasons: { node, config in
        let b = config.bandwidth
        return b.enabled && b.action == .restartNode && (b.actionNodes.isEmpty || b.actionNodes.contains(node.name)) ? ["bandwidth"] : []
    }) { [BandwidthCheck($0.config.bandwidth, stateDirectory: $0.config.stateDirectory, root: $0.root)] }

    static let month = ReadingKind("bandwidth", "the billing month's traffic against the quota",
        gauges: [monthBytes, quotaBytes, projectedBytes],
        words: { r, v in
            guard case .bytes(let used) = r.value else { return v }
            var s = Size.formatDecimal(used)
            if case .bytes(let q)? = r.figure("quota"), q > 0 { s += " of \(Size.formatDecimal(q)) (\(Share.format(Double(used) / Double(q))))" }
            return s
        },
        notes: { r in
            guard case .month(let m, _)? = r.projection, case .word(let counted)? = r.figure("counted") else { return [] }
            return ["billing month from \(m.month), \(counted)"]
        },
        projection: { p in
            guard case .month(let m, let on) = p else { return "" }
            var parts: [String] = []
            if let e = m.linearEnd { parts.append("month end ~\(Size.formatDecimal(e))") }
            if let r = m.rateEnd, let rate = m.dayRate { parts.append("~\(Size.formatDecimal(r)) at \(Size.formatDecimal(UInt64(rate * 86400)))/day") }
            if let on { parts.append("quota reached on \(on)") }
            return parts.joined(separator: ", ")
        },
        summary: .init { r in
            guard r.state != .error else { return nil }
            guard case .bytes(let used) = r.value else { return "month ?" }   // "month 312 GB of 2 TB (projected 1.6 TB)"
            var part = "month \(Size.formatDecimal(used))"
            if case .bytes(let q)? = r.figure("quota") { part += " of \(Size.formatDecimal(q))" }
            if case .month(let m, _)? = r.projection, let e = m.linearEnd { part += " (projected \(Size.formatDecimal(e)))" }
            return part
        },
        samples: samples)

    static let monthBytes = Gauge("nodeguard_bandwidth_month_bytes", help: "Traffic in the billing month so far.", labels: ["interface", "direction"])
    static let quotaBytes = Gauge("nodeguard_bandwidth_quota_bytes", help: "The billing month's quota.", labels: ["interface", "direction"])
    static let projectedBytes = Gauge("nodeguard_bandwidth_projected_month_bytes", help: "The billing month's traffic projected to its end.", labels: ["interface", "direction"])

    @Sendable static func samples(_ r: Reading, into out: inout GaugeSamples) {
        guard case .month(let m, _)? = r.projection else { return }
        let counted = { if case .word(let w)? = r.figure("counted") { return w }; return "both" }()
        func add(_ g: Gauge, _ v: Double, _ direction: String) { out.add(g, v, ("interface", r.target), ("direction", direction)) }
        add(monthBytes, Double(m.rx), "rx")
        add(monthBytes, Double(m.tx), "tx")
        if counted == "both" { add(monthBytes, Double(m.used), counted) }
        if let q = r.figure("quota")?.number { add(quotaBytes, q, counted) }
        if let e = m.linearEnd { add(projectedBytes, Double(e), counted) }
    }

    private(set) var config: BandwidthConfig
    private(set) var stateDirectory: String
    let root: HostRoot
    private(set) var calendar: BillingCalendar
    private(set) var ledger = BandwidthLedger()
    var savedAt = -Double.infinity
    var problemLogged = false
    let networkCache = NetworkProbe.Cache()
    var failures = ProbeFailures()
    init(_ config: BandwidthConfig, stateDirectory: String, root: HostRoot) {
        self.config = config; self.stateDirectory = stateDirectory; self.root = root
        calendar = BillingCalendar(billingDay: config.billingDay)
    }

    var ledgerFile: String { stateDirectory + "/bandwidth" }
    var kind: String { Self.declaration.kind }
    var target: String { "network" }

    func update(_ new: Config) {
        readAt = -Double.infinity   // read with the new settings at the next cycle
        config = new.bandwidth
        stateDirectory = new.stateDirectory
        calendar = BillingCalendar(billingDay: new.bandwidth.billingDay)
    }

    /// Counters are cumulative: reading them every 10 s loses nothing, and
    /// at a 1 s interval spares nine cycles in ten the accounting.
    static let every: Double = 10
    var readAt = -Double.infinity
    var shown: Reading?

    func run(_ cycle: inout Cycle) {
        guard config.enabled else { return }
        if cycle.now.monotonic - readAt < Self.every, let r = shown { cycle.readings.append(r); return }
        readAt = cycle.now.monotonic
        shown = nil
        let b = config, now = cycle.now
        let read = NetworkProbe.countedInterfaces(configured: b.interfaces, root: root, cache: networkCache, now: now.monotonic).flatMap { names in
            NetworkProbe.read(interfaces: names, root: root, now: now, cache: networkCache).map { (names, $0) }
        }
        guard let (names, sample) = failures.value(Self.month, target: "network", read, &cycle) else { return }
        let target = names.joined(separator: " ")
        var mustSave = account(sample, events: &cycle.events)
        let p = BandwidthRules.projection(ledger, calendar: calendar, count: b.count, quota: b.quota, now: now.wall)
        let r = reading(p, target: target)
        shown = r
        cycle.readings.append(r)
        guard cycle.mode.decides else { return }
        for decision in BandwidthRules.decide(&ledger, projection: p, quota: b.quota, warnAt: b.warnAt, actionAt: b.actionAt) {
            mustSave = true
            // The events say what the status shows.
            let value = ReadingText.value(r), shownProjection = ReadingText.projection(r)
            let fields: [(String, String)] = [("CHECK", "bandwidth"), ("VALUE", String(p.used)), ("TARGET", target), ("PROJECTION", shownProjection)]
            switch decision {
            case .warn:
                cycle.events.append(Event(.bandwidthWarning, "this month's traffic is \(value), past warn_at \(Share.format(b.warnAt)); \(shownProjection)",
                                          fields: fields + [("THRESHOLD", String(UInt64(Double(b.quota) * b.warnAt)))]))
            case .act:
                let threshold = UInt64(Double(b.quota) * b.actionAt)
                cycle.requests.append(.configured(ConfiguredAction(b.action, key: "bandwidth.action", nodes: b.actionNodes, timeout: b.actionTimeout,
                    event: .bandwidthAction, check: "bandwidth",
                    why: "this month's traffic is \(value), past action_at \(Share.format(b.actionAt)); \(shownProjection)",
                    fields: [("CHECK", "bandwidth"), ("VALUE", String(p.used)), ("TARGET", target),
                             ("PROJECTION", shownProjection), ("THRESHOLD", String(threshold))])))
            }
        }
        if mustSave || now.monotonic - savedAt >= b.saveInterval, let e = save(now: now) { cycle.events.append(e) }
    }

    func reading(_ p: BandwidthProjection, target: String) -> Reading {
        let b = config
        let share = b.quota > 0 ? Double(p.used) / Double(b.quota) : 0
        var figures = [Figure("counted", .word(b.count.rawValue))]
        if b.quota > 0 { figures += [Figure("quota", .bytes(b.quota)), Figure("share", .share(share))] }
        return Reading(Self.month, target: target, value: .bytes(p.used), figures: figures,
                       warn: b.quota > 0 ? Threshold(.atLeast, .share(b.warnAt)) : nil,
                       critical: b.quota > 0 ? Threshold(.atLeast, .share(b.actionAt)) : nil,
                       state: b.quota == 0 ? .ok : share >= b.actionAt ? .critical : share >= b.warnAt ? .warning : .ok,
                       projection: .month(p, quotaReachedOn: p.quotaReachedAt.map { calendar.dateOf($0) }))
    }

    /// Folds the sample into the ledger; whether the ledger must be saved now.
    func account(_ sample: NetworkSample, events: inout [Event]) -> Bool {
        let b = config
        var mustSave = false
        for note in BandwidthAccounting.apply(sample, to: &ledger, calendar: calendar) {
            switch note {
            case .started:
                mustSave = true
            case .reboot:
                mustSave = true
            case .reset(let name, let dir, let counted):
                events.append(Event(.counterAnomaly, "\(name) \(dir) counter went backwards without a reboot (interface re-created or driver reset): counted \(Size.formatDecimal(counted)) from zero",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(counted))]))
            case .wrap(let name, let dir, let counted):
                events.append(Event(.counterAnomaly, "\(name) \(dir) counter wrapped at 32 bits: counted \(Size.formatDecimal(counted))",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(counted))]))
            case .impossible(let name, let dir, let bytes, let limit):
                events.append(Event(.counterAnomaly, "\(name) \(dir) counter grew by \(Size.formatDecimal(bytes)), more than the link could carry (\(Size.formatDecimal(limit))) since the last reading: discarded",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(bytes)), ("THRESHOLD", String(limit))]))
            case .clockStep(let seconds):
                events.append(Event(.clockStep, "the wall clock stepped by \(seconds < 0 ? "-" : "+")\(TimeSpan.format(abs(seconds))); traffic stays counted once, in billing month \(ledger.currentMonth.map(String.init(describing:)) ?? "?")",
                                      fields: [("CHECK", "bandwidth"), ("VALUE", String(Int(seconds)))]))
            case .monthClosed(let m):
                mustSave = true
                let total = b.count.counted(rx: m.rx, tx: m.tx)
                events.append(Event(.bandwidthMonth, "billing month from \(m.start) closed: \(Size.formatDecimal(total)) (rx \(Size.formatDecimal(m.rx)), tx \(Size.formatDecimal(m.tx)))\(b.quota > 0 ? " of \(Size.formatDecimal(b.quota))" : ""); quota warning and action re-armed",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", String(describing: m.start)), ("VALUE", String(total))]))
            }
        }
        return mustSave
    }

    /// Durable: counters and totals together, so a crash between saves loses
    /// nothing (the next start counts from the saved counters).
    /// A failure is said once (the event returned).
    func save(now: Now) -> Event? {
        guard config.enabled, !ledger.isEmpty else { return nil }
        FileIO.makeDirectories(stateDirectory, mode: 0o755)
        let rc = FileIO.writeAtomically(ledgerFile, ledger.serialized(), durable: true, mode: 0o644)
        if rc == 0 {
            savedAt = now.monotonic
        } else if !problemLogged {
            problemLogged = true
            return Event(.probeFailed, "cannot save bandwidth counts to \(ledgerFile): \(FileIO.errorText(rc)); check state_directory",
                         fields: [("CHECK", "bandwidth"), ("TARGET", ledgerFile)])
        }
        return nil
    }

    /// Reads the ledger; a corrupt or truncated one is moved aside and logged.
    func restore(readOnly: Bool, now: Now) -> Event? {
        guard config.enabled, let text = FileIO.readText(ledgerFile) else { return nil }
        do {
            ledger = try BandwidthLedger.parse(text)
        } catch {
            if readOnly { return nil }
            let aside = ledgerFile + ".corrupt-\(Int(now.wall))"
            rename(ledgerFile, aside)
            ledger = BandwidthLedger()
            return Event(.stateCorrupt, "\(ledgerFile) is unreadable (\(error.line > 0 ? "line \(error.line): " : "")\(error.reason)); moved to \(aside) and counting afresh from now",
                         fields: [("CHECK", "bandwidth"), ("TARGET", ledgerFile)])
        }
        return nil
    }
}

/// `nodeguard bandwidth`: the ledger the daemon saved, brought up to date
/// with the counters now (without saving); empty when none was saved.
public func currentBandwidthLedger(_ config: Config, root: HostRoot, now: Now = Now.read()) -> BandwidthLedger {
    let check = BandwidthCheck(config.bandwidth, stateDirectory: config.stateDirectory, root: root)
    _ = check.restore(readOnly: true, now: now)
    guard !check.ledger.isEmpty else { return BandwidthLedger() }
    var cycle = Cycle(now: now, mode: .observe, whileWaiting: {})
    check.run(&cycle)
    return check.ledger
}
