// The operator's switch: `nodeguard producer switch|pause|resume ACCOUNT`
// hands the daemon a request through state_directory/producer/requests/
// (0700: root only), which the group's check takes within producer_every,
// carries out, and answers in ACCOUNT.outcome with the request's id. The
// daemon stays the one that decides; a pause holds across its restarts.

/// One request of the operator, as the CLI writes it and the daemon reads it.
public struct ProducerRequest: Equatable, Sendable {
    public enum Command: String, Sendable { case `switch`, pause, resume }
    public var id: String
    public var command: Command
    /// switch: the member to move to; nil: the first healthy standby.
    public var node: String?

    public init(id: String, command: Command, node: String? = nil) { self.id = id; self.command = command; self.node = node }

    public var text: String { "id \(id)\ncommand \(command.rawValue)\n" + (node.map { "node \($0)\n" } ?? "") }

    public static func parse(_ text: String) -> ProducerRequest? {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            fields[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        guard let id = fields["id"], let c = fields["command"].flatMap(Command.init) else { return nil }
        return ProducerRequest(id: id, command: c, node: fields["node"])
    }

    /// Where requests and outcomes live under the state directory.
    public static func directory(_ stateDirectory: String) -> String { stateDirectory + "/producer/requests" }
    public static func requestFile(_ stateDirectory: String, account: String) -> String { directory(stateDirectory) + "/\(account).request" }
    public static func outcomeFile(_ stateDirectory: String, account: String) -> String { directory(stateDirectory) + "/\(account).outcome" }

    /// An outcome: "id ID\nok|refused|failed\nwhat happened".
    public static func outcome(id: String, _ result: String, _ message: String) -> String { "id \(id)\n\(result)\n\(message)\n" }
}

extension ProducerCheck {
    /// A request waiting in the directory: taken (its file removed) and begun.
    func takeRequest(_ cycle: inout Cycle) {
        let file = ProducerRequest.requestFile(stateDirectory, account: group.account)
        guard cycle.mode.decides, let text = FileIO.readText(file) else { return }
        FileIO.remove(file)
        guard let r = ProducerRequest.parse(text) else { return answer("?", "refused", "the request in \(file) could not be read") }
        guard cycle.mode == .act else {
            return answer(r.id, "refused", "nodeguard runs with dry_run = true: it pauses, resumes and switches nothing; set dry_run = false and reload")
        }
        cycle.events.append(Event(.producerOperator, "the operator asks to \(r.command.rawValue) \(group.account)" + (r.node.map { " to \($0)" } ?? ""),
                                  fields: fields(node: r.node) + [("ACTION", r.command.rawValue)]))
        switch r.command {
        case .pause:
            operatorPaused = true
            handover = nil
            request = r
        case .resume:
            guard operatorPaused else { return answer(r.id, "ok", "\(group.account) was not paused by the operator; \(active.map { "\($0) produces" } ?? "no member produces")") }
            operatorPaused = false
            request = r
        case .switch:
            beginSwitch(r, &cycle)
        }
        if let e = save(now: cycle.now) { cycle.events.append(e) }
    }

    func beginSwitch(_ r: ProducerRequest, _ cycle: inout Cycle) {
        guard !operatorPaused else { return answer(r.id, "refused", "\(group.account) is paused by the operator: `nodeguard producer resume \(group.account)` first") }
        let standbys = group.nodes.filter { $0 != active && healthAtLastRun[$0] == nil && seenAtLastRun.contains($0) }
        // Across hosts, a member this host does not have is another host's.
        if let k = lease, k.term == nil || (r.node.map { !group.nodes.contains($0) } ?? standbys.isEmpty) { return switchToAnotherHost(r, &cycle) }
        if let n = r.node, !group.nodes.contains(n) { return answer(r.id, "refused", "\(n) is not a member of \(group.account); its members are \(group.nodes.joined(separator: ", "))") }
        guard let from = active else { return answer(r.id, "refused", "no member of \(group.account) is chosen to produce yet") }
        if r.node == from { return answer(r.id, "ok", "\(from) already produces for \(group.account)") }
        guard let to = r.node ?? standbys.first else { return answer(r.id, "refused", "no healthy standby to switch \(group.account) to") }
        guard standbys.contains(to) else { return answer(r.id, "refused", "\(to) is not healthy: \(healthAtLastRun[to] ?? "it was not read")") }
        handover = PlannedHandover(from: from, to: to, why: "is switched away from by the operator", reason: "operator", deadline: cycle.now.monotonic + roundSeconds)
        request = r
    }

    /// The request in progress, answered once it is done (or cannot be).
    func answerRequest(_ reads: [MemberRead], _ cycle: inout Cycle) {
        guard let r = request else { return }
        switch r.command {
        case .pause:
            let running = reads.filter { $0.process != .gone }
            guard running.allSatisfy(\.pauseConfirmed) else { return }
            answer(r.id, "ok", "every member of \(group.account) is paused (\(reads.map { "\($0.name) \($0.process == .gone ? "not running" : "paused")" }.joined(separator: ", "))); nodeguard resumes none until `nodeguard producer resume \(group.account)`")
        case .resume:
            guard let a = active, producingSince != nil else { return }
            answer(r.id, "ok", "\(group.account) produces on \(a)")
        case .switch:
            if let h = handover, cycle.now.monotonic >= h.deadline {
                handover = nil
                return answer(r.id, "failed", "production of \(group.account) could not move to \(h.to) within one round; \(h.from) still produces")
            }
            guard handover == nil || active == handover?.to, let a = active, producingSince != nil, a == (r.node ?? a) else { return }
            handover = nil
            answer(r.id, "ok", "\(group.account) produces on \(a) now")
        }
    }

    func answer(_ id: String, _ result: String, _ message: String) {
        request = nil
        FileIO.makeDirectories(ProducerRequest.directory(stateDirectory), mode: 0o700)
        _ = FileIO.writeAtomically(ProducerRequest.outcomeFile(stateDirectory, account: group.account),
                                   ProducerRequest.outcome(id: id, result, message), durable: false, mode: 0o600)
    }
}
