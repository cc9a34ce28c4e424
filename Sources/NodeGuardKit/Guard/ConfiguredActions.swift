// An action the operator configured for a check (bandwidth.action), carried
// out when the check asks: a command, or stop-node / restart-node on each
// node it names, through the nodes' own actuators and budgets.

extension Guard {
    /// The nodes stop-node and restart-node act on: those named, or all.
    func nodes(named names: [String]) -> [NodeWatch] {
        names.isEmpty ? nodes : nodes.filter { names.contains($0.name) }
    }

    func run(_ c: ConfiguredAction, _ cycle: inout Cycle) -> Event {
        let now = cycle.now
        let why = c.why
        let name: String, kindName: String
        switch c.action {
        case .none: return Event(c.event, "\(why); \(c.key) is none, nothing is done", fields: c.fields + [("ACTION", "none")])
        case .stopNode: name = "stop-node"; kindName = name
        case .restartNode: name = "restart-node"; kindName = name
        case .command(let argv): name = argv.joined(separator: " "); kindName = "command"
        }
        let targets = c.action == .stopNode || c.action == .restartNode ? nodes(named: c.nodes).map(\.name).joined(separator: " ") : ""
        if dryRun {
            cycle.actions.append(ActionRecord(wall: now.wall, action: "would \(name)", target: targets, outcome: "dry run"))
            return Event(c.event, "would run \(name)\(targets.isEmpty ? "" : " on \(targets)") (dry run): \(why)", fields: c.fields + [("ACTION", "would-\(kindName)")])
        }
        let outcome = carryOut(c, &cycle)
        cycle.actions.append(ActionRecord(wall: now.wall, action: name, target: targets, outcome: outcome.detail))
        return Event(c.event, "\(outcome.succeeded ? "ran" : "FAILED:") \(name)\(targets.isEmpty ? "" : " on \(targets)"): \(why); \(outcome.detail)",
                     priority: outcome.succeeded ? .err : .crit,
                     fields: c.fields + [("ACTION", kindName), ("OUTCOME", outcome.detail)])
    }

    /// stop-node and restart-node act on each node in turn; one outcome for
    /// all. A node restarted here is restarted as any restart is (GuardActions).
    func carryOut(_ c: ConfiguredAction, _ cycle: inout Cycle) -> ActionOutcome {
        switch c.action {
        case .none: return ActionOutcome(succeeded: true, detail: "")
        case .command(let argv): return CommandRunner.run(argv, timeout: c.timeout, whileWaiting: whileWaiting)
        case .stopNode, .restartNode:
            var all: [ActionOutcome] = []
            for n in nodes(named: c.nodes) {
                var o: ActionOutcome
                if c.action == .stopNode {
                    o = SystemdUnit.stop(unit: n.config.unit ?? "", timeout: min(c.timeout, 20), whileWaiting: whileWaiting)
                } else {
                    let done = restart(n, because: c.check, &cycle)
                    o = done.outcome
                    cycle.events += done.dependents
                }
                o.detail = "\(n.name): \(o.detail)"
                all.append(o)
            }
            return ActionOutcome(succeeded: all.allSatisfy(\.succeeded), detail: all.map(\.detail).joined(separator: "; "))
        }
    }
}
