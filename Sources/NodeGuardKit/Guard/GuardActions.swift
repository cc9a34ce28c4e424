// What the checks asked for, carried out: a disk at critical reclaimed and
// measured again, restarts (one a node, the host floor's given to one node)
// through each node's actuator with its dependents after it.

extension Guard {
    func carryOut(_ cycle: inout Cycle) {
        collectRestarts(&cycle)
        var restarts = restartsHeld.filter { !restarting($0.node) }
        restartsHeld = []
        var floor: RestartRequest?
        for r in cycle.requests {
            switch r {
            case .reclaim(let disk): reclaim(disk, &cycle)
            case .restart(let r) where !restarts.contains { $0.node == r.node } && !restarting(r.node): restarts.append(r)
            case .restart: break   // one restart a node at a time
            case .hostFloor(let r): floor = r
            case .configured(let c): cycle.events.append(run(c, &cycle))
            }
        }
        // A node restarted for its own reasons this cycle answers the floor too.
        if floor != nil {
            let choice = HostFloor.resolve(floor, alreadyRestarting: restarts + restartsRunning.map(\.request), candidates: nodes.map { $0.candidate(cycle) },
                                           by: config.memory.hostFloorRestarts)
            if let r = choice.restart { restarts.append(r) }
            if let e = choice.event { cycle.events.append(e) }
        }
        // A nodeos node that needs a replay is not restarted, whatever asked (said once, NodeRunningCheck).
        restarts.removeAll { node(named: $0.node)?.needsReplay != nil }
        if cycle.mode.decides { for r in handedOver(restarts, &cycle) { cycle.events += restartNode(r, &cycle) } }
        // The budgets as they are after this cycle's restarts and limits.
        for c in checks { (c as? AfterActions)?.actionsDone(&cycle) }
    }

    /// The restarts that may go ahead now; the others are held while a
    /// producer group hands production away from the node (at most a round).
    func handedOver(_ restarts: [RestartRequest], _ cycle: inout Cycle) -> [RestartRequest] {
        var ready: [RestartRequest] = []
        for var r in restarts {
            if mustWait(&r, &cycle) { restartsHeld.append(r) } else { ready.append(r) }
        }
        return ready
    }

    /// Whether a restart waits for a handover (HandsOver); else what the
    /// checks that let it go would have its event add, added to its reason.
    func mustWait(_ r: inout RestartRequest, _ cycle: inout Cycle) -> Bool {
        var wait = false, notes: [String] = []
        for c in checks {
            guard let h = c as? HandsOver else { continue }
            switch h.beforeRestart(of: r.node, &cycle) {
            case .wait: wait = true
            case .proceed(let note): if let note { notes.append(note) }
            }
        }
        if !wait { r.reason += notes.map { "; " + $0 }.joined() }
        return wait
    }

    /// Frees what the checks can on the disk's filesystem, then tells the
    /// check that asked (it measures again: CRIT only if still critical).
    func reclaim(_ disk: String, _ cycle: inout Cycle) {
        var freed: [Reclaimed] = []
        if cycle.mode.decides {
            let full = root.path(disk)
            for c in checks { if let r = (c as? Reclaiming)?.reclaim(onFilesystemOf: full, disk: disk, &cycle) { freed.append(r) } }
        }
        for c in checks { if (c as? AwaitsReclaim)?.reclaimed(disk, freed, &cycle) == true { break } }
    }

    /// How long a cycle waits for a restart it started: one that is done by
    /// then (systemd queued the job, a quick command) is said with its outcome.
    static let restartPatience = 0.5

    /// Restarts one node (or says what it would do): counted in its budget
    /// and its grace begun at once, then carried out by a RestartJob while
    /// the loop goes on; said with its outcome if that comes within the
    /// patience, else as running now and as done (or failed) when it ends.
    func restartNode(_ r: RestartRequest, _ cycle: inout Cycle) -> [Event] {
        guard let n = node(named: r.node) else { return [] }
        let now = cycle.now
        let fields: [(String, String)] = [("NODE", n.name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("TARGET", n.config.target)]
        if dryRun {
            n.restartAttempted(now: now)   // counted as a restart would be, so the limit is seen in a dry run too
            cycle.actions.append(ActionRecord(wall: now.wall, action: "would restart", target: n.name, outcome: "dry run"))
            return [Event(.restartDryRun, "would restart \(n.name) (dry run, through \(n.actuator.how)): \(r.reason) (\(n.budgetText(now.wall)))",
                          fields: fields + [("ACTION", "would-restart")])]
        }
        let job = startRestart(n, because: r, &cycle)
        if let done = job.result(waitingUntil: Now.read().monotonic + Self.restartPatience, whileWaiting: whileWaiting) {
            return finished(job, done, prompt: true, &cycle)
        }
        restartsRunning.append(job)
        return [Event(.restart, "restarting \(n.name): \(r.reason); through \(n.actuator.how), running (up to restart_timeout \(TimeSpan.format(n.config.restartTimeout))) (\(job.budget))",
                      fields: fields + [("ACTION", "restart"), ("OUTCOME", "running")])]
    }

    /// A node restarted as every restart is, whatever asked for it: counted
    /// under its reason, its grace started and its history saved before the
    /// job runs, so nothing asks for it again while it does.
    func startRestart(_ n: NodeWatch, because r: RestartRequest, _ cycle: inout Cycle) -> RestartJob {
        n.restartAttempted(now: cycle.now)
        cycle.tallies.append(.restart(node: n.name, reason: r.countedAs))
        saveState(of: n)
        let job = RestartJob(r, node: n, root: root, now: cycle.now, budget: n.budgetText(cycle.now.wall))
        job.start()
        return job
    }

    /// Restarts that ended since the last cycle: said, and kept in the recent actions.
    func collectRestarts(_ cycle: inout Cycle) {
        guard !restartsRunning.isEmpty else { return }
        restartsRunning.removeAll { job in
            guard let done = job.result() else { return false }
            cycle.events += finished(job, done, prompt: false, &cycle)
            return true
        }
    }

    /// Whether the node's restart is still running.
    func restarting(_ node: String) -> Bool { restartsRunning.contains { $0.request.node == node } }

    /// The events of a restart that ended; `prompt`: in the cycle that decided it.
    func finished(_ job: RestartJob, _ done: RestartJob.Outcome, prompt: Bool, _ cycle: inout Cycle) -> [Event] {
        let r = job.request, o = done.restart, name = r.node
        let fields: [(String, String)] = [("NODE", name), ("CHECK", r.check), ("VALUE", r.value), ("THRESHOLD", r.threshold), ("TARGET", job.target),
                                          ("ACTION", "restart"), ("OUTCOME", o.detail)]
        cycle.actions.append(ActionRecord(wall: job.started.wall, action: "restart", target: name, outcome: o.detail))
        var events: [Event]
        let took = TimeSpan.format(max(0, cycle.now.wall - job.started.wall).rounded())
        switch (prompt, o.succeeded) {
        case (true, true): events = [Event(.restart, "restarting \(name): \(r.reason); \(o.detail) (\(job.budget))", fields: fields)]
        case (true, false): events = [Event(.restartFailed, "restart of \(name) failed: \(o.detail) (\(r.reason); \(job.budget))", fields: fields)]
        case (false, true): events = [Event(.restartDone, "restart of \(name) done after \(took): \(o.detail)", fields: fields)]
        case (false, false): events = [Event(.restartFailed, "restart of \(name) failed after \(took): \(o.detail) (\(r.reason); \(job.budget))", fields: fields)]
        }
        events += dependentEvents(of: name, done.dependents, &cycle)
        for a in cycle.actions { record(a) }
        cycle.actions = []
        noteSaveProblem(saveActions())
        return events
    }

    /// A restart for a configured action, whose one event says how its nodes
    /// went: the outcome if it comes within the patience, else "running",
    /// and its end is said as restart_done or restart_failed like any restart's.
    func restart(_ n: NodeWatch, because check: String, _ cycle: inout Cycle) -> (outcome: ActionOutcome, dependents: [Event]) {
        if let words = n.needsReplay { return (ActionOutcome(succeeded: false, detail: "not restarted: it needs a replay or a snapshot (\(words))"), []) }
        var r = RestartRequest(node: n.name, check: check, value: "", threshold: "", reason: check, cause: check)
        // A producing member hands production over first, as for any restart:
        // held here, the restart is carried out and said as the others are.
        if mustWait(&r, &cycle) {
            restartsHeld.append(r)
            return (ActionOutcome(succeeded: true, detail: "restart held while production is handed to a standby (at most one round), then carried out"), [])
        }
        let job = startRestart(n, because: r, &cycle)
        guard let done = job.result(waitingUntil: Now.read().monotonic + Self.restartPatience, whileWaiting: whileWaiting) else {
            restartsRunning.append(job)
            return (ActionOutcome(succeeded: true, detail: "restart running (up to restart_timeout \(TimeSpan.format(n.config.restartTimeout)))"), [])
        }
        cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "restart", target: n.name, outcome: done.restart.detail))
        let dependents = dependentEvents(of: n.name, done.dependents, &cycle)
        for a in cycle.actions { record(a) }
        cycle.actions = []
        noteSaveProblem(saveActions())
        return (done.restart, dependents)
    }

    /// then_restart's outcomes, in order, said and kept as actions.
    func dependentEvents(of name: String, _ done: [(name: String, outcome: ActionOutcome)], _ cycle: inout Cycle) -> [Event] {
        done.enumerated().map { i, step in
            let what = "\(step.name) after \(name) (then_restart \(i + 1) of \(done.count))"
            cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "restart", target: step.name, outcome: step.outcome.detail))
            let fields: [(String, String)] = [("NODE", name), ("CHECK", EventNames.thenRestart.name), ("ACTION", "restart-dependent"),
                                              ("TARGET", step.name), ("OUTCOME", step.outcome.detail)]
            return step.outcome.succeeded
                ? Event(.restart, "restarting \(what): \(step.outcome.detail)", fields: fields)
                : Event(.restartFailed, "restart of \(what) failed: \(step.outcome.detail)", fields: fields)
        }
    }
}
