// What the checks asked for, carried out: a disk at critical reclaimed and
// measured again, restarts (one a node, the host floor's given to one node)
// through each node's actuator with its dependents after it.

extension Guard {
    func carryOut(_ cycle: inout Cycle) {
        var restarts: [RestartRequest] = []
        var floor: RestartRequest?
        for r in cycle.requests {
            switch r {
            case .reclaim(let disk): reclaim(disk, &cycle)
            case .restart(let r) where !restarts.contains { $0.node == r.node }: restarts.append(r)
            case .restart: break   // one restart a node a cycle
            case .hostFloor(let r): floor = r
            case .quotaAction(let breach): cycle.events.append(quotaAction(breach, &cycle))
            }
        }
        // A node restarted for its own reasons this cycle answers the floor too.
        if floor != nil {
            let choice = HostFloor.resolve(floor, alreadyRestarting: restarts, candidates: nodes.map { $0.candidate(cycle) },
                                           by: config.memory.hostFloorRestarts)
            if let r = choice.restart { restarts.append(r) }
            if let e = choice.event { cycle.events.append(e) }
        }
        if cycle.act { for r in restarts { cycle.events += restartNode(r, &cycle) } }
        // The budgets as they are after this cycle's restarts and limits.
        for c in checks { (c as? RestartBudgetCheck)?.replaceReading(&cycle) }
    }

    /// Frees what the checks can on the disk's filesystem, then has the disk
    /// measured again: CRIT only if it still is critical.
    func reclaim(_ disk: String, _ cycle: inout Cycle) {
        var freed: [Reclaimed] = []
        if cycle.act {
            let full = root.path(disk)
            for c in checks { if let r = (c as? Reclaiming)?.reclaim(onFilesystemOf: full, disk: disk, &cycle) { freed.append(r) } }
        }
        checks.lazy.compactMap { $0 as? DiskCheck }.first { $0.path == disk }?.confirmCritical(reclaimed: freed, &cycle)
    }

    /// Restarts one node through its actuator (or says what it would do),
    /// then its dependents, and starts its grace.
    func restartNode(_ r: RestartRequest, _ cycle: inout Cycle) -> [Event] {
        guard let n = node(named: r.node) else { return [] }
        let now = cycle.now
        var fields: [(String, String)] = [("NODE", n.name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("TARGET", n.config.target)]
        var events: [Event] = []
        if dryRun {
            n.restartAttempted(now: now)   // counted as a restart would be, so the limit is seen in a dry run too
            events.append(Event(.restartDryRun, "would restart \(n.name) (dry run, through \(n.actuator.how)): \(r.reason) (\(n.budgetText(now.wall)))",
                                fields: fields + [("ACTION", "would-restart")]))
            cycle.actions.append(ActionRecord(wall: now.wall, action: "would restart", target: n.name, outcome: "dry run"))
        } else {
            let (outcome, dependents) = restart(n, because: r.countedAs, &cycle)
            fields += [("ACTION", "restart"), ("OUTCOME", outcome.detail)]
            let place = n.budgetText(now.wall)
            events.append(outcome.succeeded
                ? Event(.restart, "restarting \(n.name): \(r.reason); \(outcome.detail) (\(place))", fields: fields)
                : Event(.restartFailed, "restart of \(n.name) failed: \(outcome.detail) (\(r.reason); \(place))", fields: fields))
            events += dependents
        }
        return events
    }

    /// A node restarted as every restart is, whatever asked for it: through
    /// its actuator, its dependents after it once it is back, its grace
    /// started, its history saved, counted under `reason`. The outcome, and
    /// the dependents' events.
    func restart(_ n: NodeWatch, because reason: String, _ cycle: inout Cycle) -> (outcome: ActionOutcome, dependents: [Event]) {
        let outcome = n.actuator.restart(whileWaiting: whileWaiting)
        cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "restart", target: n.name, outcome: outcome.detail))
        cycle.tallies.append(.restart(node: n.name, reason: reason))
        let dependents = outcome.succeeded ? restartDependents(of: n, after: outcome, &cycle) : []
        n.restartAttempted(now: cycle.now)
        // What was done so far goes into the recent actions before they are saved.
        for a in cycle.actions { record(a) }
        cycle.actions = []
        saveState(of: n)
        return (outcome, dependents)
    }

    /// then_restart, in order, once the node is back.
    func restartDependents(of n: NodeWatch, after restart: ActionOutcome, _ cycle: inout Cycle) -> [Event] {
        let done = n.actuator.restartDependents(after: restart, whileWaiting: whileWaiting)
        return done.enumerated().map { i, step in
            let what = "\(step.name) after \(n.name) (then_restart \(i + 1) of \(done.count))"
            cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "restart", target: step.name, outcome: step.outcome.detail))
            let fields: [(String, String)] = [("NODE", n.name), ("CHECK", "then_restart"), ("ACTION", "restart-dependent"),
                                              ("TARGET", step.name), ("OUTCOME", step.outcome.detail)]
            return step.outcome.succeeded
                ? Event(.restart, "restarting \(what): \(step.outcome.detail)", fields: fields)
                : Event(.restartFailed, "restart of \(what) failed: \(step.outcome.detail)", fields: fields)
        }
    }
}
