// A producer group's members as the producer check reads and moves them:
// their process, `paused` and head in one round of calls, nodeguard's own
// pause confirmed in two more, resume, and fencing (a member stopped on a
// thread of its own, BackgroundJob) when it cannot be confirmed paused.

/// One member as this cycle read it.
struct MemberRead {
    let name: String
    let node: NodeWatch
    /// Its producer API; nil when producer_api cannot be used.
    let api: TCPAddress?
    var process: MemberState.Process
    var paused: Result<Bool, ProbeError>?
    var head: Result<ProducerAPI.Head, ProbeError>?
    /// nodeguard's pause this cycle, and what it answered.
    var pauseAck: Result<Void, ProbeError>?

    var pausedValue: Bool? { if case .success(let p)? = paused { return p }; return nil }
    var headValue: ProducerAPI.Head? { if case .success(let h)? = head { return h }; return nil }
    /// nodeguard's pause answered ok this cycle, and `paused` then read true.
    var pauseConfirmed: Bool { if case .success? = pauseAck { return pausedValue == true }; return false }
}

extension ProducerCheck {
    /// Round one: each member's process, then `paused` and get_info of those that run.
    func readMembers(_ cycle: Cycle) -> [MemberRead] {
        var reads = group.nodes.compactMap { name -> MemberRead? in
            guard let node = nodeNamed(name) else { return nil }
            let process: MemberState.Process
            switch node.sample(cycle).running { case true?: process = .running; case false?: process = .gone; case nil: process = .unknown }
            return MemberRead(name: name, node: node, api: try? TCPAddress.parse(url: node.config.producerAPIURL), process: process)
        }
        let asked = reads.indices.filter { reads[$0].process != .gone && reads[$0].api != nil }
        let replies = ProducerCalls.round(asked.flatMap { i in [(reads[i].api!, ProducerAPI.Call.paused), (reads[i].api!, .info)] })
        for (k, i) in asked.enumerated() {
            reads[i].paused = replies[2 * k].map { $0.flatMap(ProducerAPI.paused) }
            reads[i].head = replies[2 * k + 1].map { $0.flatMap(ProducerAPI.head) }
        }
        return reads
    }

    /// nodeguard's own pause of `names` (idempotent), then `paused` read again.
    func pause(_ names: Set<String>, in reads: inout [MemberRead]) {
        let asked = reads.indices.filter { names.contains(reads[$0].name) && reads[$0].process != .gone && reads[$0].api != nil }
        guard !asked.isEmpty else { return }
        let acks = ProducerCalls.round(asked.map { (reads[$0].api!, ProducerAPI.Call.pause) })
        for (k, i) in asked.enumerated() { reads[i].pauseAck = acks[k].map { $0.flatMap(ProducerAPI.acknowledged) } }
        let confirm = asked.filter { if case .success? = reads[$0].pauseAck { return true }; return false }
        let now = ProducerCalls.round(confirm.map { (reads[$0].api!, ProducerAPI.Call.paused) })
        for (k, i) in confirm.enumerated() { reads[i].paused = now[k].map { $0.flatMap(ProducerAPI.paused) } }
    }

    func resume(_ read: MemberRead) -> Result<Void, ProbeError> {
        guard let api = read.api else { return .failure(ProbeError("producer_api \(read.node.config.producerAPIURL) cannot be used")) }
        return ProducerCalls.round([(api, .resume)])[0]!.flatMap(ProducerAPI.acknowledged)
    }

    /// The members as the one rule sees them: nodeguard's pause answered
    /// ok this cycle and `paused` then read true, or its process gone.
    func states(_ reads: [MemberRead], health: [String: String], now: Double, producer: String?) -> [MemberState] {
        reads.map { r in
            let ours = r.name != producer && { if case .success? = r.pauseAck { return true }; return false }()
            var s = MemberState(r.name, process: r.process, paused: r.pausedValue, pausedByUs: ours,
                                ignoresPause: suspects.contains(r.name), healthy: health[r.name] == nil,
                                producing: r.pausedValue == false ? .seen : lastProducing[r.name].map { $0 ? .seen : .no } ?? .unknown)
            if r.name != producer, !s.confirmedNotProducing { s.unconfirmedSince = unconfirmedSince[r.name] ?? now }
            return s
        }
    }

    /// Keeps when each member was first seen unconfirmed, and when the last
    /// of them was confirmed paused (a block in flight may follow it).
    func noteConfirmations(_ states: [MemberState], now: Now, producer: String?) {
        let wall = now.wall, now = now.monotonic
        for s in states {
            if s.confirmedNotProducing { lastProducing[s.name] = false } else if s.paused == false { lastProducing[s.name] = true }
        }
        for s in states where s.name != producer {
            if s.confirmedNotProducing {
                if unconfirmedSince.removeValue(forKey: s.name) != nil || pausesConfirmedAt == nil { pausesConfirmedAt = now; pausedAtWall = wall }
            } else if unconfirmedSince[s.name] == nil {
                unconfirmedSince[s.name] = now
            }
        }
    }

    /// Members the chain shows signing our blocks while paused (SignerWatch):
    /// fenced at once. While none should produce and several could be the
    /// one, nobody is fenced: one CRIT says so.
    func findSuspects(_ reads: [MemberRead], producer: String?, _ cycle: inout Cycle) {
        let producingNow = producer != nil && producingSince != nil
        if producingNow, let h = reads.first(where: { $0.name == producer })?.headValue { signers.observeProducing(h) }
        // Across hosts our blocks may be another host's member's: with none
        // producing here, they say nothing of the members here.
        if !producingNow && lease != nil { return }
        let paused = reads.filter { $0.name != producer && $0.pauseConfirmed }
        for r in paused {
            guard let h = r.headValue, let why = signers.evidence(h, account: group.account, producingNow: producingNow, pausedAt: pausedAtWall) else { continue }
            guard producingNow || paused.count == 1 else {
                if said.insert("unknown signer").inserted {
                    cycle.events.append(Event(.producersTwo, "\(why), and \(paused.map(\.name).joined(separator: ", ")) of \(group.account) all read paused: one of them signs while paused; nothing is resumed",
                                              fields: fields(node: nil)))
                }
                return
            }
            guard suspects.insert(r.name).inserted else { continue }
            cycle.events.append(Event(.producersTwo, "\(r.name) of \(group.account) signs our blocks while it reads paused: \(why)", fields: fields(node: r.name)))
        }
    }

    /// Stops a member on a thread of its own; said once, its end said when collected.
    func fence(_ read: MemberRead, why: String, _ cycle: inout Cycle) {
        guard fencing[read.name] == nil else { return }
        let actuator = read.node.actuator.copy(root: root)
        let job = BackgroundJob { actuator.stopAndConfirm(whileWaiting: {}) }
        fencing[read.name] = (job, why)
        job.start()
        cycle.events.append(Event(.producerFenced, "fencing \(read.name) of \(group.account): \(why); stopping its process (\(read.node.config.target)) before another member is resumed",
                                  fields: fields(node: read.name) + [("ACTION", "stop"), ("TARGET", read.node.config.target), ("REASON", why)]))
        cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "fence", target: read.name, outcome: why))
    }

    /// Fences that ended: said with their outcome.
    func collectFences(_ cycle: inout Cycle) {
        for (name, f) in fencing {
            guard let outcome = f.job.result() else { continue }
            fencing[name] = nil
            let how = outcome.succeeded ? "stopped" : "could not be stopped"
            cycle.events.append(Event(.producerFenced, "\(name) of \(group.account) \(how): \(outcome.detail)", priority: outcome.succeeded ? .notice : .crit,
                                      fields: fields(node: name) + [("ACTION", "stop"), ("OUTCOME", outcome.detail)]))
        }
    }

    func fields(node: String?) -> [(String, String)] {
        // Across hosts, the fencing token of the lease (held here, or by the holder seen) is in every producer event.
        [("ACCOUNT", group.account)] + (node.map { [("NODE", $0)] } ?? []) + [("CHECK", "producer")]
            + ((lease?.term?.token ?? lease?.holder?.token).map { [("TOKEN", String($0))] } ?? [])
    }
}

// The choice of the producing member, and the operator's pause, survive a
// restart of nodeguard: state_directory/producer/ACCOUNT holds "active NAME"
// and "paused yes".
extension ProducerCheck {
    var stateFile: String { stateDirectory + "/producer/" + group.account }

    func restore(readOnly: Bool, now: Now) -> Event? {
        guard let text = FileIO.readText(stateFile) else { return nil }
        for line in text.split(separator: "\n") {
            if line.hasPrefix("active "), group.nodes.contains(String(line.dropFirst(7))) { active = String(line.dropFirst(7)) }
            if line == "paused yes" { operatorPaused = true }
        }
        return nil
    }

    func save(now: Now) -> Event? {
        FileIO.makeDirectories(stateDirectory + "/producer", mode: 0o755)
        let rc = FileIO.writeAtomically(stateFile, "active \(active ?? "")\n" + (operatorPaused ? "paused yes\n" : ""), durable: true, mode: 0o644)
        guard rc != 0, !saveFailed else { saveFailed = rc != 0; return nil }
        saveFailed = true
        return Event(.probeFailed, "cannot save which member of \(group.account) produces to \(stateFile): \(FileIO.errorText(rc))",
                     fields: [("CHECK", "producer"), ("TARGET", stateFile)])
    }
}
