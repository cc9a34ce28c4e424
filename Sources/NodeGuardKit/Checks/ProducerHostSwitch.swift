// The producer check's side of a planned switch between hosts (LeaseSwitch):
// the holder hands production away between our turns when another host
// asks, or when its own operator switches to a member it does not have;
// a standby asks the holder and answers its operator once it produces.

/// A planned release of the lease in progress on the holder.
struct LeaseRelease {
    /// Who asked: another host's name, or "the operator".
    let askedBy: String
    /// The operator's request here, answered once released.
    let requestID: String?
    /// Monotonic: past it the release is given up and production goes on here.
    let deadline: Double
    /// When every member here was first confirmed paused for it (monotonic).
    var pausedAt: Double?
}

extension ProducerCheck {
    /// Each cycle, after the lease's own run: start, carry on or end a release; answer a standby's request.
    func switchHosts(_ reads: [MemberRead], _ cycle: inout Cycle) {
        guard let k = lease else { return }
        if k.term == nil, producingSince != nil { producingSince = nil; established = false }   // no longer the holder
        if let (id, deadline) = askedForSwitch {
            if k.mayProduce, producingSince != nil, let a = active { askedForSwitch = nil; answer(id, "ok", "\(group.account) produces on \(a) now") }
            else if cycle.now.monotonic >= deadline { askedForSwitch = nil; answer(id, "failed", "the holder (\(k.holder?.name ?? "unknown")) did not release the lease of \(group.account) within \(TimeSpan.format(roundSeconds + k.lease.ttl))") }
        }
        guard k.term != nil else { releasing = nil; return }
        if releasing == nil, let asker = k.switchAsked, !operatorPaused {
            releasing = LeaseRelease(askedBy: asker, requestID: nil, deadline: cycle.now.monotonic + roundSeconds)
            cycle.events.append(Event(.producerOperator, "\(asker) asks for production of \(group.account): handing it over between our turns",
                                      priority: .notice, fields: fields(node: nil) + [("ACTION", "switch"), ("FROM", k.me)]))
        }
        guard let r = releasing else { return }
        if cycle.now.monotonic >= r.deadline {
            releasing = nil
            k.ignoredAsk = k.switchAskedToken
            k.switchAsked = nil
            if let id = r.requestID { answer(id, "failed", "production of \(group.account) could not be handed to another host within one round; it goes on here") }
            return
        }
    }

    /// After this cycle's pauses (act): every member here confirmed paused, a
    /// block ago, and the lease goes.
    func finishRelease(_ reads: [MemberRead], _ cycle: inout Cycle) {
        guard let k = lease, var r = releasing, releasingNow(cycle.now.wall) else { return }
        guard reads.allSatisfy({ $0.pauseConfirmed || $0.process == .gone }) else { r.pausedAt = nil; releasing = r; return }
        if r.pausedAt == nil { r.pausedAt = cycle.now.monotonic }
        releasing = r
        guard cycle.now.monotonic - r.pausedAt! >= ProducerRule.blockInterval else { return }
        if case .failure(let f) = k.release(&cycle, fields: fields(node: nil)) {
            if k.said.insert("release").inserted {
                cycle.events.append(Event(.producerLeaseLate, "\(group.account): the lease could not be released for the switch: \(f.message); trying again next cycle, the members here paused",
                                          fields: fields(node: nil)))
            }
            return
        }
        k.said.remove("release")
        releasing = nil
        producingSince = nil
        established = false
        if let id = r.requestID { answer(id, "ok", "\(group.account): this host released the lease; the host asking for it resumes before our next turn") }
    }

    /// A release under way and our turn far enough (or its pause already
    /// begun, a cycle from the release): the members here are paused for it.
    func releasingNow(_ wall: Double) -> Bool {
        guard let r = releasing else { return false }
        return r.pausedAt != nil || handoverWindowOpen(wall, extra: every)
    }

    /// The operator's switch to a member this host does not have (another host's), or to none here.
    func switchToAnotherHost(_ r: ProducerRequest, _ cycle: inout Cycle) {
        guard let k = lease else { return }
        if k.term != nil {
            releasing = LeaseRelease(askedBy: "the operator", requestID: r.id, deadline: cycle.now.monotonic + roundSeconds)
            return
        }
        guard k.holder != nil else { return answer(r.id, "refused", "nobody holds the lease of \(group.account): the first host that can takes it") }
        if let n = r.node, !group.nodes.contains(n) {
            return answer(r.id, "refused", "\(n) is not on this host (its members: \(group.nodes.joined(separator: ", "))): run the switch on \(n)'s host, or on the holder (\(k.holder?.name ?? ""))")
        }
        switch k.askForSwitch() {
        case .success: askedForSwitch = (r.id, cycle.now.monotonic + roundSeconds + k.lease.ttl)
        case .failure(let f): answer(r.id, "failed", "cannot ask the holder through etcd: \(f.message)")
        }
    }
}
