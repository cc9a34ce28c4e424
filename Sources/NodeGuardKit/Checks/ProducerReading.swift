// What a producer group's reading shows: who produces, each member's
// paused state (and whether nodeguard caused it), head and lag, our last
// block seen, our next turn, the blocks of ours missed in the last hour; in words for
// the status and `nodeguard producer`, as numbers for --json.

extension ProducerCheck {
    func reading(_ reads: [MemberRead], _ health: [String: String], now wall: Double) -> Reading {
        // Before a choice (`nodeguard check`, which decides nothing): the one member unpaused, if one is.
        let unpaused = reads.filter { $0.pausedValue == false }.map(\.name)
        let chosen = active ?? (unpaused.count == 1 ? unpaused[0] : nil)
        let producing = operatorPaused ? nil : chosen.flatMap { a in reads.first { $0.name == a && $0.pausedValue == false }?.name }
        var figures: [Figure] = []
        for r in reads {
            let byUs = r.pauseConfirmed
            var words = r.name == producing ? "producing" : byUs ? "paused by nodeguard" : r.pausedValue == true ? "paused (not by nodeguard)"
                : r.pausedValue == false ? "unpaused" : r.process == .gone ? "not running" : "paused unknown"
            if fencing[r.name] != nil { words += ", being fenced" }
            if let h = r.headValue { words += ", head \(h.block) (\(TimeSpan.format(max(0, wall - h.time))) behind)" }
            if let p = health[r.name] { words += ", not healthy: \(p)" }
            figures.append(Figure("member " + r.name, .word(words)))
            if let p = r.pausedValue { figures.append(Figure(r.name + " paused", .count(p ? 1 : 0))) }
            figures.append(Figure(r.name + " paused_by_nodeguard", .count(byUs ? 1 : 0)))
            figures.append(Figure(r.name + " healthy", .count(health[r.name] == nil ? 1 : 0)))
            if let h = r.headValue {
                figures.append(Figure(r.name + " head", .count(Int(h.block))))
                figures.append(Figure(r.name + " lag_seconds", .seconds(max(0, wall - h.time))))
            }
        }
        let healthy = reads.filter { health[$0.name] == nil }.count
        figures.append(Figure("healthy", .count(healthy)))
        figures.append(Figure("blocks_missed_last_hour", .count(blocksMissedLastHour(wall))))
        if let last = turns.ours.last { figures.append(Figure("last_block_of_ours", .seconds(Double(ProducerSchedule.start(ofSlot: last)) / 1000))) }
        let slot = ProducerSchedule.slot(unixMs: Int64(wall * 1000))
        if let next = schedule?.nextTurn(of: group.account, from: slot) { figures.append(Figure("next_turn", .seconds(Double(ProducerSchedule.start(ofSlot: next.lowerBound)) / 1000))) }
        figures.append(Figure("operator_paused", .count(operatorPaused ? 1 : 0)))
        if let k = lease { figures += Self.leaseFigures(k, now: Now.read().monotonic) }
        if operatorPaused { figures.append(Figure("note (all)", .word("paused by the operator: `nodeguard producer resume \(group.account)` to produce again"))) }
        // Standing by for the host that holds the lease: no member produces here, rightly.
        let standingBy = lease.map { !$0.mayProduce && $0.holder != nil && $0.holder?.name != $0.me } ?? false
        let state: CheckState = operatorPaused ? .warning
            : said.contains("two") ? .critical
            : standingBy ? (healthy < reads.count ? .warning : .ok)
            : producing == nil || said.contains("none") ? .critical : healthy < reads.count ? .warning : .ok
        return Reading(Self.producing, target: group.account, value: .word(producing ?? "none"), figures: figures, state: state)
    }

    /// The reading's numbers as --json's "producer" object: "a_head", "next_turn"...;
    /// across hosts also the holder's name and each etcd endpoint's state ("etcd URL": "answers").
    static func jsonMembers(_ r: Reading) -> [FigureObject.Member] {
        r.figures.compactMap { f in
            if f.name.hasPrefix("member ") || f.name.hasPrefix("note ") { return nil }
            if case .word(let w) = f.value { return f.name == "lease_holder_name" || f.name.hasPrefix("etcd ") ? FigureObject.Member(f.name, w) : nil }
            return f.value.number.map { FigureObject.Member(f.name.replacing(" ", with: "_"), $0) }
        }
    }
}

extension ProducerCheck {
    /// Across hosts: who holds the lease, its token and time left, each endpoint.
    static func leaseFigures(_ k: LeaseKeeper, now: Double) -> [Figure] {
        var f: [Figure] = [Figure("lease_holder", .count(k.term != nil ? 1 : 0))]
        let who: String
        if let t = k.term {
            f.append(Figure("lease_seconds_left", .seconds(t.left(at: now))))
            f.append(Figure("lease_token", .count(Int(t.token))))
            who = "held here (\(k.me)), token \(t.token), \(TimeSpan.format(t.left(at: now).rounded(.down))) left" + (k.waitingSince != nil ? ", waiting for a turn of ours missed whole" : "")
        } else if let h = k.holder {
            f.append(Figure("lease_token", .count(Int(h.token))))
            who = "held by \(h.name), token \(h.token); standing by"
        } else {
            who = "nobody holds it"
        }
        f.append(Figure("note (lease)", .word(who)))
        if let name = k.term != nil ? k.me : k.holder?.name { f.append(Figure("lease_holder_name", .word(name))) }
        let reach = k.client.endpoints.map { a in
            let e = "http://\(a)"
            return (e, k.client.lastOutcome[e].map { $0 ?? "answers" } ?? "not asked yet")
        }
        f += reach.map { Figure("etcd \($0.0)", .word($0.1)) }
        f.append(Figure("note (etcd)", .word(reach.map { "\($0.0) \($0.1)" }.joined(separator: ", "))))
        return f
    }
}
