// Our turns, judged once the chain is past them: the turn's blocks counted
// on the chain (TurnWatch), the missed ones said, counted in
// nodeguard_producer_blocks_missed_total and shown for the last hour. A
// turn missed whole while the active member should have produced moves
// production (ProducerCheck.failure).

extension ProducerCheck {
    /// Judges our last turn once the chain is past it, and once: how many of
    /// its blocks were missed. Counted from the member with the latest head;
    /// when its blocks cannot be read, asked again next cycle, and once a
    /// round has passed, judged from the heads seen instead.
    func judgeTurn(_ reads: [MemberRead], _ wall: Double, _ cycle: inout Cycle) -> (turn: Range<Int64>, missed: Int)? {
        guard let schedule, let since = watchedSince else { return nil }
        let slot = ProducerSchedule.slot(unixMs: Int64(wall * 1000))
        guard let last = schedule.lastTurn(of: group.account, before: slot), last.lowerBound > judged else { return nil }
        // A turn that began before nodeguard watched is not its to judge.
        guard Double(ProducerSchedule.start(ofSlot: last.lowerBound)) / 1000 >= since else { judged = last.lowerBound; return nil }
        guard let missed = count(last, reads) ?? fromHeads(last, slot: slot, round: schedule.round) else { return nil }
        judged = last.lowerBound
        missedRecently = missed == 0 ? 0 : missedRecently + missed
        guard missed > 0 else { return (last, 0) }
        missedBlocks.append((wall, missed))
        cycle.tallies.append(.blocksMissed(account: group.account, count: missed))
        // Paused by the operator, every turn is missed on purpose: counted, not said.
        if !operatorPaused {
            let at = TimeFormat.local(Double(ProducerSchedule.start(ofSlot: last.lowerBound)) / 1000)
            let how = missed == last.count ? "missed its turn at \(at): none of its \(last.count) blocks" : "missed \(missed) of the \(last.count) blocks of its turn at \(at)"
            cycle.events.append(Event(.producerTurnMissed, "\(group.account) \(how) is on the chain", fields: fields(node: active) + [("MISSED", String(missed))]))
        }
        return (last, missed)
    }

    /// The turn's blocks of ours missed, read from the member whose head is
    /// latest; nil when the chain is not past the turn or a block cannot be read.
    func count(_ turn: Range<Int64>, _ reads: [MemberRead]) -> Int? {
        let ahead = reads.compactMap { r in r.headValue.flatMap { h in r.api.map { (api: $0, head: h) } } }
            .max { TurnWatch.slot($0.head) < TurnWatch.slot($1.head) }
        guard let ahead, let numbers = TurnWatch.blocks(of: turn, below: ahead.head) else { return nil }
        let replies = ProducerCalls.round(numbers.map { (ahead.api, ProducerAPI.Call.block($0)) })
        var blocks: [ProducerAPI.Block?] = []
        for reply in replies {
            guard case .success(let b)? = reply?.flatMap(ProducerAPI.block) else { return nil }
            blocks.append(b)
        }
        return TurnWatch.missed(in: turn, account: group.account, blocks: blocks)
    }

    /// A round after the turn with its blocks still uncounted: whole when no
    /// head of ours was seen in it, else none (a lower bound, the most the heads say).
    func fromHeads(_ turn: Range<Int64>, slot: Int64, round: Int64) -> Int? {
        guard slot >= turn.upperBound + round, let missed = turns.missed(turn) else { return nil }
        return missed ? turn.count : 0
    }

    /// Blocks of ours missed in the last hour.
    func blocksMissedLastHour(_ wall: Double) -> Int {
        missedBlocks.removeAll { wall - $0.wall > 3600 }
        return missedBlocks.reduce(0) { $0 + $1.count }
    }
}
