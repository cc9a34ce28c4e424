// A producer group ([producer.ACCOUNT]): at most one member producing,
// always, and as few of our blocks missed as possible. Every
// producer_every it reads each member (process, paused, head), chooses who
// produces (the one already producing at start, else the first healthy in
// order; no fail-back), pauses every other member itself and resumes the
// chosen one only once the others are confirmed paused or gone
// (ProducerRule), fencing a member that cannot be. docs/producers.md.

final class ProducerCheck: Check, OwnCadence, Keeping {
    static let declaration = CheckDeclaration("producer", readings: [producing]) { s in
        s.config.producers.map { ProducerCheck($0, s) }
    }

    static let producing = ReadingKind("producer", "which member of a producer group produces, and whether the others are confirmed paused",
        gauges: [activeGauge, healthyGauge, leaseHolderGauge, leaseLeftGauge],
        // "member NAME": a member's words; "note (lease)": the group's own ("(all)", "(etcd)").
        notes: { r in r.figures.compactMap { f in
            guard f.name.hasPrefix("member ") || f.name.hasPrefix("note "), case .word(let w) = f.value,
                  let space = f.name.firstIndex(of: " ") else { return nil }
            return "\(f.name[f.name.index(after: space)...]): \(w)"
        } },
        summary: .init(.lead, problem: "no producer") { r in
            guard case .word(let w) = r.value else { return nil }
            if w == "none", r.state == .ok || r.state == .warning, r.figure("lease_holder")?.number == 0 { return "\(r.target) standby" }
            return "\(r.target) " + (w == "none" ? "NOT PRODUCING" : "on \(w)")
        },
        samples: { r, out in
            for f in r.figures where f.name.hasPrefix("member ") {
                let producing = r.value == .word(String(f.name.dropFirst(7)))
                out.add(activeGauge, producing ? 1 : 0, ("account", r.target), ("node", String(f.name.dropFirst(7))))
            }
            if let h = r.figure("healthy")?.number { out.add(healthyGauge, h, ("account", r.target)) }
            if let h = r.figure("lease_holder")?.number { out.add(leaseHolderGauge, h, ("account", r.target)) }
            if let l = r.figure("lease_holder")?.number { out.add(leaseLeftGauge, l > 0 ? r.figure("lease_seconds_left")?.number ?? 0 : 0, ("account", r.target)) }
        },
        object: ("producer", jsonMembers))
    static let activeGauge = Gauge("nodeguard_producer_active", help: "1 for the member of the producer group that produces (resumed by nodeguard and read unpaused), else 0.", labels: ["account", "node"])
    static let leaseHolderGauge = Gauge("nodeguard_producer_lease_holder", help: "Across hosts: 1 on the host that holds the producer group's etcd lease, else 0.", labels: ["account"])
    static let leaseLeftGauge = Gauge("nodeguard_producer_lease_seconds_left", help: "Across hosts: seconds before the holder stops producing unless etcd acknowledges a renewal; 0 on a host that does not hold the lease.", labels: ["account"])
    static let healthyGauge = Gauge("nodeguard_producer_members_healthy", help: "Members of the producer group that could produce: their process runs, their chain API answers, their head is within max_lag.", labels: ["account"])

    var group: ProducerGroup
    let nodeNamed: (String) -> NodeWatch?
    let root: HostRoot
    private(set) var every: Double
    var stateDirectory: String
    var kind: String { Self.declaration.kind }
    var target: String { group.account }

    /// The member chosen to produce; nil until one is chosen.
    var active: String?
    var saveFailed = false
    /// The active member was resumed by nodeguard (or found producing) at this wall time.
    var producingSince: Double?
    /// Since when each other member has been unconfirmed (monotonic).
    var unconfirmedSince: [String: Double] = [:]
    /// When the last other member was confirmed paused (monotonic).
    var pausesConfirmedAt: Double?
    /// Members seen signing our blocks while they should be paused.
    var suspects: Set<String> = []
    var signers = SignerWatch()
    /// When every other member was confirmed paused (wall).
    var pausedAtWall: Double?
    var fencing: [String: (job: BackgroundJob<ActionOutcome>, why: String)] = [:]
    /// Every other member confirmed not producing since the active one was chosen.
    var established = false
    /// A move decided and not yet done: from whom, and why.
    var moving: (from: String?, why: String)?
    /// Each member's last chain API answer (wall), and since when it is watched.
    var lastAnswer: [String: Double] = [:]
    var watchedSince: Double?
    var turns = TurnWatch()
    var schedule: ProducerSchedule?
    var scheduleReadAt = -Double.infinity
    /// The first slot of our last turn judged (missed or not).
    var judged: Int64 = -1
    /// Members once confirmed paused: found unpaused later, they restarted.
    var confirmedOnce: Set<String> = []
    /// Each member: true read unpaused or resumed since last confirmed not
    /// producing, false confirmed since; absent not known since nodeguard
    /// started (MemberState.producing).
    var lastProducing: [String: Bool] = [:]
    /// Blocks of ours missed, by when their turn was judged (wall), the last hour's.
    var missedBlocks: [(wall: Double, count: Int)] = []
    /// Blocks of ours missed in the turns judged since the last turn with none missed.
    var missedRecently = 0
    /// The turn judged this cycle, if one was.
    var judgedNow: (turn: Range<Int64>, missed: Int)?
    /// What is said once while it lasts ("two", "none", "unhealthy b").
    var said: Set<String> = []
    /// `nodeguard producer pause`: every member paused, none resumed until `resume`.
    var operatorPaused = false
    /// The operator's request in progress, answered once done.
    var request: ProducerRequest?
    /// A restart of the active member waiting for production to move.
    var handover: PlannedHandover?
    /// The members' health as the last run read it, for a restart asked after it.
    var healthAtLastRun: [String: String] = [:]
    var seenAtLastRun: Set<String> = []
    /// Members on several hosts: the etcd lease that says whether this host may produce.
    var lease: LeaseKeeper?
    /// The holder handing production to another host.
    var releasing: LeaseRelease?
    /// A standby's operator asked for production: the request, answered by this monotonic time.
    var askedForSwitch: (id: String, deadline: Double)?

    init(_ g: ProducerGroup, _ s: CheckSetting) {
        group = g; nodeNamed = s.nodeNamed; root = s.root; every = s.config.producerEvery; stateDirectory = s.config.stateDirectory
        if g.lease.enabled { lease = LeaseKeeper(account: g.account, lease: g.lease) }
        lease?.leaseFile = stateFile + ".lease"
    }

    func update(_ config: Config) {
        if let g = config.producers.first(where: { $0.account == group.account }) {
            // The same endpoints and key: the lease held goes on; else the new one is looked for afresh.
            if !g.lease.enabled { lease = nil }
            else if let k = lease, k.lease.endpoints == g.lease.endpoints, k.key == g.lease.key(account: g.account) { k.lease = g.lease }
            else { lease = LeaseKeeper(account: g.account, lease: g.lease) }
            group = g
        }
        stateDirectory = config.stateDirectory
        lease?.leaseFile = stateFile + ".lease"
        every = config.producerEvery
        if let a = active, !group.nodes.contains(a) { active = nil }
    }

    func run(_ cycle: inout Cycle) {
        collectFences(&cycle)
        var reads = readMembers(cycle)
        let wall = cycle.now.wall
        if watchedSince == nil { watchedSince = wall }
        for r in reads { if let h = r.headValue { lastAnswer[r.name] = wall; turns.observe(h, account: group.account) } }
        readSchedule(reads, at: cycle.now.monotonic)
        var health: [String: String] = [:]
        for r in reads {
            health[r.name] = MemberHealth.problem(process: r.process, head: r.head, previousBlock: nil, now: wall, maxLag: group.maxLag)
            if r.process == .gone, r.node.needsReplay != nil { health[r.name] = "its process is not running: its chain state needs a replay or a snapshot" }
        }
        healthAtLastRun = health
        seenAtLastRun = Set(reads.map(\.name))
        if cycle.mode.decides {
            judgedNow = judgeTurn(reads, wall, &cycle)
            lease?.run(&cycle, every: every, judged: judgedNow, latestOurs: turns.ours.last, fields: fields(node: nil))
            switchHosts(reads, &cycle)
            takeRequest(&cycle)
            // The chosen member found producing (nodeguard restarted, or it
            // resumed itself): its blocks are expected from now on.
            if !operatorPaused, producingSince == nil, let a = active, reads.contains(where: { $0.name == a && $0.pausedValue == false }) {
                producingSince = wall
            }
            sayUnpaused(reads, &cycle)
            if !operatorPaused {
                if lease?.mayProduce == false { chooseStandingBy(reads, health, &cycle) } else { choose(reads, health, &cycle) }
            }
            progressHandover(health, &cycle)
            if cycle.mode == .act { act(&reads, health, &cycle); finishRelease(reads, &cycle) }
            answerRequest(reads, &cycle)
        }
        cycle.readings.append(reading(reads, health, now: wall))
    }

    /// The schedule, read again every minute from a member that answers
    /// (it changes a few times a year; a new one takes effect a round later).
    func readSchedule(_ reads: [MemberRead], at now: Double) {
        guard now - scheduleReadAt >= 60, let r = reads.first(where: { $0.headValue != nil }), let api = r.api else { return }
        scheduleReadAt = now
        if case .success(let s)? = ProducerCalls.round([(api, .schedule)])[0].map({ $0.flatMap(ProducerAPI.schedule) }) { schedule = s }
    }

    /// Pauses every member but the active one, and resumes it once the rule allows.
    func act(_ reads: inout [MemberRead], _ health: [String: String], _ cycle: inout Cycle) {
        let now = cycle.now.monotonic
        let producer = operatorPaused || lease?.mayProduce == false || releasingNow(cycle.now.wall) ? nil : active
        pause(Set(reads.map(\.name).filter { $0 != producer }), in: &reads)
        for r in reads where r.name != producer && r.pauseConfirmed { confirmedOnce.insert(r.name) }
        findSuspects(reads, producer: producer, &cycle)
        let members = states(reads, health: health, now: now, producer: producer)
        noteConfirmations(members, now: cycle.now, producer: producer)
        let steps = ProducerRule.steps(members, active: producer, now: now, pausesConfirmedAt: pausesConfirmedAt ?? -.infinity,
                                       fenceAfter: group.fenceAfter, established: established, stopping: lease?.mayProduce == false)
        if members.allSatisfy({ $0.name == producer || $0.confirmedNotProducing }) { established = true }
        for step in steps {
            switch step {
            case .pause, .hold: break   // paused above, every cycle; a hold waits for the next
            case .fence(let name, let why): if let r = reads.first(where: { $0.name == name }) { fence(r, why: why, &cycle) }
            case .resume(let name): if let r = reads.first(where: { $0.name == name }) { resumed(r, resume(r), &cycle) }
            }
        }
    }

    func resumed(_ r: MemberRead, _ outcome: Result<Void, ProbeError>, _ cycle: inout Cycle) {
        switch outcome {
        case .success:
            lastProducing[r.name] = true
            producingSince = cycle.now.wall
            said.remove("resume")
            let how = moving.map { m in m.from.map { " (was \($0): \(m.why))" } ?? " (\(m.why))" } ?? ""
            cycle.events.append(Event(.producerResumed, "\(r.name) resumed: \(group.account) produces on \(r.name)\(how)",
                                      fields: fields(node: r.name) + [("ACTION", "resume"), ("FROM", moving?.from ?? "")]))
            cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "resume", target: r.name, outcome: "\(group.account) produces on \(r.name)"))
            moving = nil
        case .failure(let e):
            guard said.insert("resume").inserted else { return }
            cycle.events.append(Event(.producerNoStandby, "cannot resume \(r.name) for \(group.account): \(e.message); asking again every \(TimeSpan.format(every))",
                                      fields: fields(node: r.name) + [("ACTION", "resume")]))
        }
    }
}

// Who produces: the choice, and what moves it.
extension ProducerCheck {
    func choose(_ reads: [MemberRead], _ health: [String: String], _ cycle: inout Cycle) {
        let healthy = group.nodes.filter { n in health[n] == nil && reads.contains { $0.name == n } }
        guard let current = active else {
            // At start the member already producing goes on, if it can.
            let producing = reads.first { $0.pausedValue == false && health[$0.name] == nil }?.name
            guard let chosen = producing ?? healthy.first else { return noStandby(from: nil, "none is healthy", reads, health, &cycle) }
            choose(chosen, from: nil, why: producing != nil ? "it was producing" : "the first healthy member", &cycle)
            if producing != nil { producingSince = cycle.now.wall }
            return
        }
        guard let (reason, why) = failure(of: current, reads, health, cycle.now.wall) else { said.remove("none"); return }
        guard let next = healthy.first(where: { $0 != current }) else { return noStandby(from: current, why, reads, health, &cycle) }
        let missed = missedRecently > 0 ? " (\(missedRecently) blocks of ours missed so far)" : ""
        cycle.events.append(Event(.producerSwitched, "moving production of \(group.account) from \(current) to \(next): \(current) \(why)\(missed)",
                                  fields: fields(node: next) + [("FROM", current), ("REASON", why), ("MISSED", String(missedRecently))]))
        cycle.tallies.append(.producerSwitch(account: group.account, reason: reason))
        choose(next, from: current, why: why, &cycle)
    }

    /// Not allowed to produce here (the lease is another host's): the member
    /// to resume once it is ours, the first healthy one, chosen without a word.
    func chooseStandingBy(_ reads: [MemberRead], _ health: [String: String], _ cycle: inout Cycle) {
        guard active.map({ health[$0] != nil }) ?? true,
              let first = group.nodes.first(where: { n in health[n] == nil && reads.contains { $0.name == n } }), first != active else { return }
        choose(first, from: nil, why: "this host holds the lease", &cycle)
    }

    func choose(_ name: String, from: String?, why: String, _ cycle: inout Cycle) {
        active = name
        moving = (from, why)
        producingSince = nil
        unconfirmedSince = [:]
        pausesConfirmedAt = nil
        pausedAtWall = nil
        established = false
        suspects = []
        signers.forget()
        said.remove("none")
        if cycle.mode == .act, let e = save(now: cycle.now) { cycle.events.append(e) }
    }

    /// Why the active member can no longer produce (a switch reason of
    /// Counters.switchReasons, and words), or nil while it can.
    func failure(of current: String, _ reads: [MemberRead], _ health: [String: String], _ wall: Double) -> (String, String)? {
        guard let r = reads.first(where: { $0.name == current }) else { return nil }
        if r.process == .gone { return ("not_running", "is not running") }
        let downAfter = r.node.config.liveness.downAfter ?? RPCDialect.nodeos.downAfter
        if r.headValue == nil, let last = lastAnswer[current] ?? watchedSince, wall - last >= downAfter {
            return ("silent", "has not answered for \(TimeSpan.format((wall - last).rounded())) (down_after \(TimeSpan.format(downAfter)))")
        }
        if let h = r.headValue, wall - h.time > group.maxLag {
            return ("behind", "is behind: its head block \(h.block) is \(TimeSpan.format((wall - h.time).rounded())) old (max_lag \(TimeSpan.format(group.maxLag)))")
        }
        // A turn missed whole that began once it was producing.
        if let j = judgedNow, j.missed == j.turn.count, let since = producingSince,
           Double(ProducerSchedule.start(ofSlot: j.turn.lowerBound)) / 1000 >= since, r.pausedValue != true {
            return ("turn_missed", "did not sign our turn at \(TimeFormat.local(Double(ProducerSchedule.start(ofSlot: j.turn.lowerBound)) / 1000)) while it should be producing")
        }
        return nil
    }

    /// No member to move production to: one CRIT naming each one's reason; nothing is resumed.
    func noStandby(from: String?, _ why: String, _ reads: [MemberRead], _ health: [String: String], _ cycle: inout Cycle) {
        guard said.insert("none").inserted else { return }
        let reasons = group.nodes.filter { $0 != from }.map { n in "\(n) \(health[n] ?? (reads.contains { $0.name == n } ? "is healthy" : "is not configured"))" }
        let head = from.map { "\(group.account) cannot move from \($0), which \(why)" } ?? "\(group.account) has no member to produce: \(why)"
        cycle.events.append(Event(.producerNoStandby, "\(head): no healthy standby (\(reasons.joined(separator: "; "))); nothing is resumed",
                                  fields: fields(node: from) + [("REASON", reasons.joined(separator: "\n"))]))
    }

    /// Two members unpaused (at start, or one that restarted without
    /// pause-on-startup): said once, paused by `act` within this cycle.
    func sayUnpaused(_ reads: [MemberRead], _ cycle: inout Cycle) {
        let unpaused = reads.filter { $0.pausedValue == false }.map(\.name)
        if unpaused.count > 1 {
            if said.insert("two").inserted {
                cycle.events.append(Event(.producersTwo, "\(unpaused.joined(separator: " and ")) of \(group.account) are all unpaused: two members producing sign the same slots; pausing all but one",
                                          fields: fields(node: nil) + [("TARGET", unpaused.joined(separator: ","))]))
            }
        } else {
            said.remove("two")
        }
        for n in unpaused where n != active && confirmedOnce.remove(n) != nil {
            cycle.events.append(Event(.producerUnpaused, "\(n) of \(group.account) came back unpaused after a restart: nodeos without pause-on-startup produces at once; pausing it. Run it with pause-on-startup (-x) so a restart never makes it produce",
                                      fields: fields(node: n)))
        }
    }
}
