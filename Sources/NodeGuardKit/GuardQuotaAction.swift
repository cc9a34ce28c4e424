// bandwidth.action carried out: a command, or stop-node / restart-node on
// each node it names, through the nodes' own actuators and budgets.
#if canImport(Glibc)
import Glibc
#endif

extension Guard {
    /// The nodes stop-node and restart-node act on: action_nodes, or all.
    var actionNodes: [NodeWatch] {
        let names = config.bandwidth.actionNodes
        return names.isEmpty ? nodes : nodes.filter { names.contains($0.name) }
    }

    func quotaAction(_ breach: QuotaBreach, _ cycle: inout Cycle) -> Event {
        let now = cycle.now
        let b = config.bandwidth
        let why = breach.why
        let fields: [(String, String)] = [("CHECK", "bandwidth"), ("VALUE", String(breach.used)), ("TARGET", breach.target),
                                          ("PROJECTION", breach.projection), ("THRESHOLD", String(breach.threshold))]
        let name: String, kindName: String
        switch b.action {
        case .none: return Event(.bandwidthAction, "\(why); bandwidth.action is none, nothing is done", fields: fields + [("ACTION", "none")])
        case .stopNode: name = "stop-node"; kindName = name
        case .restartNode: name = "restart-node"; kindName = name
        case .command(let argv): name = argv.joined(separator: " "); kindName = "command"
        }
        let targets = b.action == .stopNode || b.action == .restartNode ? actionNodes.map(\.name).joined(separator: " ") : ""
        if dryRun {
            cycle.actions.append(ActionRecord(wall: now.wall, action: "would \(name)", target: targets, outcome: "dry run"))
            return Event(.bandwidthAction, "would run \(name)\(targets.isEmpty ? "" : " on \(targets)") (dry run): \(why)", fields: fields + [("ACTION", "would-\(kindName)")])
        }
        let outcome = runQuotaAction(b.action, &cycle)
        cycle.actions.append(ActionRecord(wall: now.wall, action: name, target: targets, outcome: outcome.detail))
        return Event(.bandwidthAction, "\(outcome.succeeded ? "ran" : "FAILED:") \(name)\(targets.isEmpty ? "" : " on \(targets)"): \(why); \(outcome.detail)",
                     priority: outcome.succeeded ? .err : .crit,
                     fields: fields + [("ACTION", kindName), ("OUTCOME", outcome.detail)])
    }

    /// stop-node and restart-node act on each node in turn; one outcome for
    /// all. A node restarted here is restarted as any restart is (GuardActions).
    func runQuotaAction(_ action: BandwidthAction, _ cycle: inout Cycle) -> ActionOutcome {
        switch action {
        case .none: return ActionOutcome(succeeded: true, detail: "")
        case .command(let argv): return CommandRunner.run(argv, timeout: config.bandwidth.actionTimeout, whileWaiting: whileWaiting)
        case .stopNode, .restartNode:
            var all: [ActionOutcome] = []
            for n in actionNodes {
                var o: ActionOutcome
                if action == .stopNode {
                    o = SystemdUnit.stop(unit: n.config.unit ?? "", timeout: min(config.bandwidth.actionTimeout, 20), whileWaiting: whileWaiting)
                } else {
                    let done = restart(n, because: "bandwidth", &cycle)
                    o = done.outcome
                    cycle.events += done.dependents
                }
                o.detail = "\(n.name): \(o.detail)"
                all.append(o)
            }
            return ActionOutcome(succeeded: all.allSatisfy(\.succeeded), detail: all.map(\.detail).joined(separator: "; "))
        }
    }

    /// The ledger as saved, for `nodeguard bandwidth`, brought up to date
    /// with the counters now (without saving).
    public func currentLedger(now: Now = Now.read()) -> BandwidthLedger {
        var cycle = Cycle(now: now, act: false, dryRun: true, whileWaiting: whileWaiting)
        bandwidth?.run(&cycle)
        return ledger
    }

    public var ledger: BandwidthLedger { bandwidth?.ledger ?? BandwidthLedger() }
}
