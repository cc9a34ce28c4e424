// A planned handover: before nodeguard restarts the producing member (for
// memory, the host floor, its liveness), production moves to a healthy
// standby between our turns, then the restart goes ahead. A restart never
// waits longer than one round; with no healthy standby it goes ahead at
// once, and its event says blocks may be missed.

struct PlannedHandover {
    let from: String
    let to: String
    /// Why it moves, for the switch's event.
    let why: String
    /// As nodeguard_producer_switches_total counts it: "restart" or "operator".
    let reason: String
    /// Monotonic: past it the restart goes ahead whatever happened.
    let deadline: Double
}

extension ProducerCheck: HandsOver {
    /// A round of the schedule, or 21 producers' (126 s) before it is read.
    var roundSeconds: Double { Double(schedule?.round ?? 21 * ProducerSchedule.repetitions) * Double(ProducerSchedule.slotMs) / 1000 }

    func beforeRestart(of node: String, _ cycle: inout Cycle) -> Handover {
        if let h = handover, h.from == node {
            let moved = active == h.to && producingSince != nil
            if active != h.from && (moved || active != h.to) {
                handover = nil
                return .proceed(moved ? "production of \(group.account) was handed to \(h.to) first" : nil)
            }
            guard cycle.now.monotonic < h.deadline else {
                handover = nil
                return .proceed("production of \(group.account) could not be handed to \(h.to) within one round (\(TimeSpan.format(roundSeconds))): blocks of ours may be missed")
            }
            return .wait
        }
        // Paused by the operator, no member produces: nothing to hand over.
        // Standing by for another host, no member produces here either.
        guard node == active, group.nodes.contains(node), !operatorPaused, lease?.mayProduce != false else { return .proceed(nil) }
        guard cycle.mode == .act, let to = group.nodes.first(where: { $0 != node && healthAtLastRun[$0] == nil && seenAtLastRun.contains($0) }) else {
            return .proceed("no healthy standby to hand \(group.account) to: blocks of ours may be missed while it restarts")
        }
        handover = PlannedHandover(from: node, to: to, why: "it is to be restarted", reason: "restart", deadline: cycle.now.monotonic + roundSeconds)
        return .wait
    }

    /// Moves production when the time is right: outside our turn, with
    /// time to pause, wait a block and resume before the next one.
    func progressHandover(_ health: [String: String], _ cycle: inout Cycle) {
        guard let h = handover, active == h.from, cycle.mode == .act else { return }
        guard health[h.to] == nil else {
            handover = nil   // the restart's next ask finds no standby and goes ahead
            return
        }
        guard handoverWindowOpen(cycle.now.wall) else { return }
        cycle.events.append(Event(.producerSwitched, "handing production of \(group.account) from \(h.from) to \(h.to) between our turns: \(h.from) \(h.why)",
                                  priority: .notice, fields: fields(node: h.to) + [("FROM", h.from), ("REASON", "planned: \(h.why)")]))
        cycle.tallies.append(.producerSwitch(account: group.account, reason: h.reason))
        choose(h.to, from: h.from, why: "planned: \(h.from) \(h.why)", &cycle)
    }

    /// Not in our turn, and our next turn far enough: a pause, its
    /// confirmation, a block and the resume a cycle later all fit before it.
    /// `extra`: more time needed before our next turn (another host's next cycle).
    func handoverWindowOpen(_ wall: Double, extra: Double = 0) -> Bool {
        guard let schedule else { return true }
        let slot = ProducerSchedule.slot(unixMs: Int64(wall * 1000))
        guard schedule.turn(of: group.account, containing: slot) == nil, let next = schedule.nextTurn(of: group.account, from: slot) else {
            return schedule.nextTurn(of: group.account, from: slot) == nil   // not scheduled: any time
        }
        let margin = every + ProducerCalls.timeout + ProducerRule.blockInterval + extra
        return Double(ProducerSchedule.start(ofSlot: next.lowerBound)) / 1000 - wall >= margin
    }
}
