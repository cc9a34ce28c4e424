// The bandwidth stage of a cycle: read the counters, fold them into the
// ledger, project the month, act on the quota, save the ledger.
#if canImport(Glibc)
import Glibc
#endif

extension Guard {
    var ledgerFile: String { config.stateDirectory + "/bandwidth" }

    func accountBandwidth(now: Now, act: Bool, into d: inout Decisions) {
        let b = config.bandwidth
        let read = NetworkProbe.countedInterfaces(configured: b.interfaces, root: root, cache: networkCache, now: now.monotonic).flatMap { names in
            NetworkProbe.read(interfaces: names, root: root, now: now, cache: networkCache).map { (names, $0) }
        }
        guard let (names, sample) = rules.probeResult("bandwidth", target: "network", read, into: &d) else { return }
        let target = names.joined(separator: " ")
        let cal = calendar
        var mustSave = false
        for note in BandwidthAccounting.apply(sample, to: &ledger, calendar: cal) {
            switch note {
            case .started:
                mustSave = true
            case .reboot:
                mustSave = true
            case .reset(let name, let dir, let counted):
                d.events.append(Event(.counterAnomaly, "\(name) \(dir) counter went backwards without a reboot (interface re-created or driver reset): counted \(Size.formatDecimal(counted)) from zero",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(counted))]))
            case .wrap(let name, let dir, let counted):
                d.events.append(Event(.counterAnomaly, "\(name) \(dir) counter wrapped at 32 bits: counted \(Size.formatDecimal(counted))",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(counted))]))
            case .impossible(let name, let dir, let bytes, let limit):
                d.events.append(Event(.counterAnomaly, "\(name) \(dir) counter grew by \(Size.formatDecimal(bytes)), more than the link could carry (\(Size.formatDecimal(limit))) since the last reading: discarded",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", name), ("VALUE", String(bytes)), ("THRESHOLD", String(limit))]))
            case .clockStep(let seconds):
                d.events.append(Event(.clockStep, "the wall clock stepped by \(seconds < 0 ? "-" : "+")\(Duration.format(abs(seconds))); traffic stays counted once, in billing month \(ledger.currentMonth.map(String.init(describing:)) ?? "?")",
                                      fields: [("CHECK", "bandwidth"), ("VALUE", String(Int(seconds)))]))
            case .monthClosed(let m):
                mustSave = true
                let total = b.count.counted(rx: m.rx, tx: m.tx)
                d.events.append(Event(.bandwidthMonth, "billing month from \(m.start) closed: \(Size.formatDecimal(total)) (rx \(Size.formatDecimal(m.rx)), tx \(Size.formatDecimal(m.tx)))\(b.quota > 0 ? " of \(Size.formatDecimal(b.quota))" : ""); quota warning and action re-armed",
                                      fields: [("CHECK", "bandwidth"), ("TARGET", String(describing: m.start)), ("VALUE", String(total))]))
            }
        }
        let p = BandwidthRules.projection(ledger, calendar: cal, count: b.count, quota: b.quota, now: now.wall)
        bandwidthProjection = p
        let (value, projection) = BandwidthRules.describe(p, quota: b.quota, calendar: cal)
        let share = b.quota > 0 ? Double(p.used) / Double(b.quota) : 0
        d.checks.append(CheckView(check: "bandwidth", target: target, value: value,
                                  warn: b.quota > 0 ? "≥ \(Share.format(b.warnAt))" : "", critical: b.quota > 0 ? "≥ \(Share.format(b.actionAt))" : "",
                                  state: b.quota == 0 ? .ok : share >= b.actionAt ? .critical : share >= b.warnAt ? .warning : .ok,
                                  projection: projection, note: "billing month from \(p.month), \(b.count.rawValue)"))

        if act {
            for decision in BandwidthRules.decide(&ledger, projection: p, quota: b.quota, warnAt: b.warnAt, actionAt: b.actionAt) {
                mustSave = true
                let fields: [(String, String)] = [("CHECK", "bandwidth"), ("VALUE", String(p.used)), ("TARGET", target), ("PROJECTION", projection)]
                switch decision {
                case .warn:
                    d.events.append(Event(.bandwidthWarning, "this month's traffic is \(value), past warn_at \(Share.format(b.warnAt)); \(projection)",
                                          fields: fields + [("THRESHOLD", String(UInt64(Double(b.quota) * b.warnAt)))]))
                case .act:
                    d.events.append(quotaAction(used: value, projection: projection, fields: fields + [("THRESHOLD", String(UInt64(Double(b.quota) * b.actionAt)))], now: now))
                }
            }
            if mustSave || now.monotonic - ledgerSavedAt >= b.saveInterval { saveLedger(now: now) }
        }
    }

    /// The nodes stop-node and restart-node act on: action_nodes, or all.
    var actionNodes: [NodeWatch] {
        let names = config.bandwidth.actionNodes
        return names.isEmpty ? nodes : nodes.filter { names.contains($0.name) }
    }

    func quotaAction(used: String, projection: String, fields: [(String, String)], now: Now) -> Event {
        let b = config.bandwidth
        let why = "this month's traffic is \(used), past action_at \(Share.format(b.actionAt)); \(projection)"
        let name: String, kindName: String
        switch b.action {
        case .none: return Event(.bandwidthAction, "\(why); bandwidth.action is none, nothing is done", fields: fields + [("ACTION", "none")])
        case .stopNode: name = "stop-node"; kindName = name
        case .restartNode: name = "restart-node"; kindName = name
        case .command(let argv): name = argv.joined(separator: " "); kindName = "command"
        }
        let targets = b.action == .stopNode || b.action == .restartNode ? actionNodes.map(\.name).joined(separator: " ") : ""
        if dryRun {
            record(ActionRecord(wall: now.wall, action: "would \(name)", target: targets, outcome: "dry run"))
            return Event(.bandwidthAction, "would run \(name)\(targets.isEmpty ? "" : " on \(targets)") (dry run): \(why)", fields: fields + [("ACTION", "would-\(kindName)")])
        }
        let outcome = runQuotaAction(b.action, now: now)
        record(ActionRecord(wall: now.wall, action: name, target: targets, outcome: outcome.detail))
        return Event(.bandwidthAction, "\(outcome.succeeded ? "ran" : "FAILED:") \(name)\(targets.isEmpty ? "" : " on \(targets)"): \(why); \(outcome.detail)",
                     priority: outcome.succeeded ? .err : .crit,
                     fields: fields + [("ACTION", kindName), ("OUTCOME", outcome.detail)])
    }

    /// stop-node and restart-node act on each node in turn; one outcome for all.
    func runQuotaAction(_ action: BandwidthAction, now: Now) -> ActionOutcome {
        switch action {
        case .none: return ActionOutcome(succeeded: true, detail: "")
        case .command(let argv): return CommandRunner.run(argv, timeout: config.bandwidth.actionTimeout, whileWaiting: whileWaiting)
        case .stopNode, .restartNode:
            var all: [ActionOutcome] = []
            for n in actionNodes {
                var o: ActionOutcome
                if action == .stopNode {
                    o = SystemdUnit.stop(unit: n.config.unit ?? "", timeout: min(config.bandwidth.actionTimeout, 20))
                } else {
                    o = n.actuator.restart(whileWaiting: whileWaiting)
                    var policy = n.actuator.policy
                    n.rules.restartAttempted(now: now, policy: &policy)
                    n.actuator.policy = policy
                }
                o.detail = "\(n.name): \(o.detail)"
                all.append(o)
            }
            return ActionOutcome(succeeded: all.allSatisfy(\.succeeded), detail: all.map(\.detail).joined(separator: "; "))
        }
    }

    /// Durable: counters and totals together, so a crash between saves loses
    /// nothing (the next start counts from the saved counters).
    public func saveLedger(now: Now = Now.read()) {
        guard config.bandwidth.enabled, !ledger.isEmpty else { return }
        FileIO.makeDirectories(config.stateDirectory, mode: 0o755)
        let rc = FileIO.writeAtomically(ledgerFile, ledger.serialized(), durable: true, mode: 0o644)
        if rc == 0 {
            ledgerSavedAt = now.monotonic
        } else if !ledgerProblemLogged {
            ledgerProblemLogged = true
            emit(Event(.probeFailed, "cannot save bandwidth counts to \(ledgerFile): \(FileIO.errorText(rc)); check state_directory",
                       fields: [("CHECK", "bandwidth"), ("TARGET", ledgerFile)]))
        }
    }

    /// Reads the ledger; a corrupt or truncated one is moved aside and logged.
    func restoreLedger(readOnly: Bool) {
        guard config.bandwidth.enabled, let text = FileIO.readText(ledgerFile) else { return }
        do {
            ledger = try BandwidthLedger.parse(text)
        } catch {
            if readOnly { return }
            let aside = ledgerFile + ".corrupt-\(Int(Now.read().wall))"
            rename(ledgerFile, aside)
            ledger = BandwidthLedger()
            emit(Event(.stateCorrupt, "\(ledgerFile) is unreadable (\(error.line > 0 ? "line \(error.line): " : "")\(error.reason)); moved to \(aside) and counting afresh from now",
                       fields: [("CHECK", "bandwidth"), ("TARGET", ledgerFile)]))
        }
    }

    /// The ledger as saved, for `nodeguard bandwidth`, brought up to date
    /// with the counters now (without saving).
    public func currentLedger(now: Now = Now.read()) -> BandwidthLedger {
        var d = Decisions()
        accountBandwidth(now: now, act: false, into: &d)
        return ledger
    }
}
