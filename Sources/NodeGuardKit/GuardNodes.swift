// The nodes' part of a cycle: each node read and judged on its own, the host
// floor's restart given to one node, and the restarts carried out by each
// node's actuator, its dependents after it.

extension Guard {
    /// Each node's checks, and the restarts asked for (one a node at most).
    func evaluateNodes(hostTotal: UInt64?, hostFloor: RestartRequest?, now: Now, into d: inout Decisions) -> ([CheckView], [RestartRequest]) {
        var checks: [CheckView] = []
        var restarts: [RestartRequest] = []
        var candidates: [HostFloor.Candidate] = []
        for n in nodes {
            let sample = n.probe.read(monotonic: now.monotonic, whileWaiting: whileWaiting)
            let nd = n.evaluate(sample, hostTotal: hostTotal, now: now)
            // A node that may be restarted again may be the host floor's choice again.
            if nd.events.contains(where: { $0.kind == .restartRearmed }) { rules.resetHostAlarms() }
            d.events += nd.events
            checks += nd.checks
            if let r = nd.restart { restarts.append(r) }
            candidates.append(n.candidate(anonBytes: try? sample.memory.get().anonBytes, now: now.wall))
        }
        // A node restarted for its own reasons this cycle answers the floor too.
        let floor = HostFloor.resolve(hostFloor, alreadyRestarting: restarts, candidates: candidates, by: config.memory.hostFloorRestarts)
        if let r = floor.restart { restarts.append(r) }
        if let e = floor.event { d.events.append(e) }
        return (checks, restarts)
    }

    /// Restarts one node through its actuator (or says what it would do),
    /// then its dependents, and starts its grace.
    func restartNode(_ r: RestartRequest, now: Now) -> [Event] {
        guard let n = node(named: r.node) else { return [] }
        let a = n.actuator
        var fields: [(String, String)] = [("NODE", n.name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("TARGET", n.config.target)]
        var events: [Event] = []
        if dryRun {
            events.append(Event(.restartDryRun, "would restart \(n.name) (dry run, through \(a.how)): \(r.reason)", fields: fields + [("ACTION", "would-restart")]))
            record(ActionRecord(wall: now.wall, action: "would restart", target: n.name, outcome: "dry run"))
        } else {
            let outcome = a.restart(whileWaiting: whileWaiting)
            fields += [("ACTION", "restart"), ("OUTCOME", outcome.detail)]
            events.append(outcome.succeeded
                ? Event(.restart, "restarting \(n.name): \(r.reason); \(outcome.detail)", fields: fields)
                : Event(.restartFailed, "restart of \(n.name) failed: \(outcome.detail) (\(r.reason))", fields: fields))
            record(ActionRecord(wall: now.wall, action: "restart", target: n.name, outcome: outcome.detail))
            if outcome.succeeded { events += restartDependents(of: n, after: outcome, now: now) }
        }
        n.restartAttempted(now: now)
        rules.resetHostAlarms()
        if !dryRun { saveState(of: n) }
        return events
    }

    /// then_restart, in order, once the node is back.
    func restartDependents(of n: NodeWatch, after restart: ActionOutcome, now: Now) -> [Event] {
        let done = n.actuator.restartDependents(after: restart, whileWaiting: whileWaiting)
        return done.enumerated().map { i, step in
            let what = "\(step.name) after \(n.name) (then_restart \(i + 1) of \(done.count))"
            record(ActionRecord(wall: now.wall, action: "restart", target: step.name, outcome: step.outcome.detail))
            let fields: [(String, String)] = [("NODE", n.name), ("CHECK", "then_restart"), ("ACTION", "restart-dependent"),
                                              ("TARGET", step.name), ("OUTCOME", step.outcome.detail)]
            return step.outcome.succeeded
                ? Event(.restart, "restarting \(what): \(step.outcome.detail)", fields: fields)
                : Event(.restartFailed, "restart of \(what) failed: \(step.outcome.detail)", fields: fields)
        }
    }
}
