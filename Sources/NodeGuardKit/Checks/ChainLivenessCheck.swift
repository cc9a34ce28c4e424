// Whether a node follows its chain, over its own RPC (rpc = "bitcoind",
// "monero", "ethereum", "nodeos" or "http"): restarted, through its budget,
// when its RPC stays down or its height stalls; said when it falls behind
// its reference or loses its peers. The call is asked every rpc_every, and
// also when a decision falls due (a stall or an outage is decided only on a
// reply read at or after its time, however long rpc_every is). It is
// collected without holding the cycle: a node that never answers costs a
// quarter of a second a cycle at most, and fails at rpc_timeout.

final class ChainLivenessCheck: NodeCheck {
    static let declaration = CheckDeclaration("chain", readings: [chain], reasons: { node, _ in
        guard node.liveness.dialect != nil else { return [] }
        return ["chain_down", "chain_stalled"] + (node.liveness.behindBy > 0 ? ["chain_behind"] : [])
    }) { s in s.nodes.compactMap { ChainLivenessCheck($0, interval: s.config.interval, nodeNamed: s.nodeNamed) } }

    static let chain = ReadingKind("chain", "a node's chain liveness over its RPC: height, peers, lag",
        gauges: [height, heightAge, peers, lag, syncing],
        words: { r, v in
            var s = "height " + v   // "height 812 (moved 40s ago), 8 peers, syncing, 3 behind"
            if let a = r.figure("since advanced") { s += " (moved \(ReadingText.quantity(a)) ago)" }
            if case .count(let p)? = r.figure("peers") { s += ", \(counted(p, "peer"))" }
            if r.figure("syncing") != nil { s += ", syncing" }
            if case .count(let lag)? = r.figure("lag") { s += ", \(lag) behind" }
            return s
        },
        summary: .init(.next, problem: "not following its chain") { r in
            guard case .count(let h) = r.value else { return "rpc \(ReadingText.quantity(r.value))" }
            if r.state == .critical { return "chain stuck at \(h)" }
            return "height \(h)" + (r.figure("syncing") != nil ? " syncing" : "")
        },
        samples: { r, out in
            if let h = r.value.number { out.add(height, h, node: r) }
            if let a = r.figure("since advanced")?.number { out.add(heightAge, a, node: r) }
            if let p = r.figure("peers")?.number { out.add(peers, p, node: r) }
            if let l = r.figure("lag")?.number { out.add(lag, l, node: r) }
            out.add(syncing, r.figure("syncing") != nil ? 1 : 0, node: r)
        },
        object: ("chain", { r in
            var m: [FigureObject.Member] = []
            if let h = r.value.number { m.append(.init("height", h)) }
            if let s = r.figure("since advanced")?.number { m.append(.init("seconds_since_advanced", s)) }
            if let p = r.figure("peers")?.number { m.append(.init("peers", p)) }
            m.append(.init("syncing", r.figure("syncing") != nil))
            if let l = r.figure("lag")?.number { m.append(.init("lag", l)) }
            return m
        }))

    static let height = Gauge("nodeguard_node_height", help: "The node's chain height, from its RPC.", labels: ["node"])
    static let heightAge = Gauge("nodeguard_node_height_age_seconds", help: "Seconds since the node's height last advanced.", labels: ["node"])
    static let peers = Gauge("nodeguard_node_peers", help: "The node's peers, from its RPC.", labels: ["node"])
    static let lag = Gauge("nodeguard_node_lag_blocks", help: "Blocks the node is behind its reference.", labels: ["node"])
    static let syncing = Gauge("nodeguard_node_syncing", help: "1 while the node says it is syncing (initial sync, replay, catching up).", labels: ["node"])

    let node: NodeWatch
    /// Another node by name, for `reference` (the guard's current nodes).
    let nodeNamed: (String) -> NodeWatch?
    private(set) var settings: LivenessSettings
    let rpc: ChainRPC
    var liveness = Liveness()
    var marks = RestartMarks()
    var nextCall: Double = 0
    /// When the call in flight, or the last one, was made.
    var calledAt: Double = -.infinity
    /// The problem it asked a restart for last cycle: asked again, it is not news.
    var asked: LivenessProblem?
    var kind: String { Self.declaration.kind }
    var target: String { node.name }
    /// How long a cycle waits for replies in flight, all nodes together.
    static let patience = 0.25

    init?(_ node: NodeWatch, interval: Double, nodeNamed: @escaping (String) -> NodeWatch?) {
        guard let s = LivenessSettings(node.config.liveness, interval: interval) else { return nil }
        self.node = node
        self.nodeNamed = nodeNamed
        settings = s
        rpc = ChainRPC(s)
    }

    func update(_ config: Config) {
        guard let n = config.node(named: node.name), let s = LivenessSettings(n.liveness, interval: config.interval) else { return }
        if s.url != settings.url || s.dialect != settings.dialect { liveness = Liveness(); nextCall = 0 }
        settings = s
        rpc.update(s)
    }

    func run(_ cycle: inout Cycle) {
        let now = cycle.now
        let running = node.sample(cycle).running
        let seen = marks.since(node.actuator.policy)
        var reply: ChainReply?
        if running == true && !rpc.inFlight && callDue(now.monotonic) {
            nextCall = now.monotonic + settings.every
            calledAt = now.monotonic
            reply = rpc.start(monotonic: now.monotonic)
        }
        if reply == nil { reply = rpc.collect(until: now.monotonic + Self.patience, wall: now.wall) }
        let reference = settings.reference.flatMap { $0 == "headers" ? nil : nodeNamed($0)?.chainHeight }
        let step = liveness.observe(LivenessInput(monotonic: now.monotonic, running: running, started: seen.restarted,
                                                  reply: reply, replyAt: calledAt, referenceHeight: reference), settings)
        node.chainHeight = liveness.height
        for f in step.findings { cycle.events.append(event(f, now)) }
        if let problem = step.restart {
            ask(problem, repeated: asked == problem, &cycle)
            asked = problem
        } else if liveness.problem == nil {
            asked = nil
        }
        if running == true { cycle.readings.append(reading(now.monotonic)) }
    }

    /// Every rpc_every, and once when a decision falls due after the last call.
    func callDue(_ now: Double) -> Bool {
        if now >= nextCall { return true }
        guard let due = liveness.due(settings) else { return false }
        return now >= due && due > calledAt
    }

    func ask(_ problem: LivenessProblem, repeated: Bool, _ cycle: inout Cycle) {
        let l = liveness, s = settings
        let reason: String, value: String, threshold: String
        switch problem {
        case .down:
            reason = "node \(node.name)'s RPC \(silence(cycle.now)) (down_after = \(TimeSpan.format(s.downAfter)))"
            value = l.lastError ?? "no answer"; threshold = TimeSpan.format(s.downAfter)
        case .stalled:
            reason = "node \(node.name)'s height \(l.height.map(String.init) ?? "?") \(unchanged(cycle.now)) (stalled_after = \(TimeSpan.format(s.stalledAfter)))"
            value = l.height.map(String.init) ?? ""; threshold = TimeSpan.format(s.stalledAfter)
        case .behind:
            let lag = l.lag(reference: l.referenceHeight) ?? 0
            reason = "node \(node.name) is \(lag) blocks behind \(s.reference ?? "its reference") for \(TimeSpan.format(s.behindFor)) (behind_by = \(s.behindBy))"
            value = String(lag); threshold = String(s.behindBy)
        }
        node.ask(RestartRequest(node: node.name, check: "chain", value: value, threshold: threshold, reason: reason, cause: "chain_" + problem.rawValue),
                 &cycle, repeated: repeated)
    }

    /// A monotonic time of this check's as the local clock read it.
    func clock(_ t: Double, _ now: Now) -> String { TimeFormat.local(now.wall - (now.monotonic - t)) }

    /// "has not answered for 35s: no answer since 12:00:01, and a call made at 12:00:21 failed: timed out".
    func silence(_ now: Now) -> String {
        let l = liveness
        guard let since = l.silentSince, let failed = l.failedAt else { return "fails" }
        let from = l.answeredAt == nil ? "no answer since nodeguard began watching it at" : "its last answer was at"
        return "has not answered for \(TimeSpan.format(failed - since)): \(from) \(clock(since, now)), and a call made at \(clock(failed, now)) failed: \(l.lastError ?? "no answer")"
    }

    /// "has not changed for 31s: read at 12:00:00 and again at 12:00:31".
    func unchanged(_ now: Now) -> String {
        let l = liveness
        guard let a = l.advancedAt, let t = l.sampledAt else { return "has not changed" }
        return "has not changed for \(TimeSpan.format(t - a)): read at \(clock(a, now)) and again at \(clock(t, now))"
    }

    var fields: [(String, String)] {
        var f: [(String, String)] = [("NODE", node.name), ("CHECK", "chain"), ("TARGET", settings.url)]
        if let h = liveness.height { f.append(("HEIGHT", String(h))) }
        if let p = liveness.last?.peers { f.append(("PEERS", String(p))) }
        if let lag = liveness.lag(reference: liveness.referenceHeight), settings.reference != nil { f.append(("LAG", String(lag))) }
        return f
    }

    func event(_ f: LivenessFinding, _ now: Now) -> Event {
        let n = node.name
        switch f {
        case .down:
            return Event(.chainDown, "node \(n): its RPC at \(settings.url) \(silence(now))", fields: fields)
        case .stalled(let h, _, let ref):
            return Event(.chainStalled, "node \(n) is stalled at height \(h): it \(unchanged(now))\(ref.map { "; the reference is at \($0)" } ?? "")", fields: fields)
        case .behind(let lag, let ref):
            return Event(.chainBehind, "node \(n) is \(lag) blocks behind \(settings.reference ?? "its reference") (at \(ref)); restarted if it stays behind for \(TimeSpan.format(settings.behindFor)) without catching up", fields: fields)
        case .stillBehind(let lag, let lasted):
            return Event(.chainBehind, "node \(n) stayed \(lag) blocks behind \(settings.reference ?? "its reference") for \(TimeSpan.format(lasted)) without catching up", fields: fields)
        case .caughtUp(let lag):
            return Event(.chainRecovered, "node \(n) caught up with \(settings.reference ?? "its reference") (\(lag) behind)", fields: fields)
        case .isolated(let lasted):
            return Event(.chainIsolated, "node \(n) has had no peers for \(TimeSpan.format(lasted))", fields: fields)
        case .connected(let peers):
            return Event(.chainRecovered, "node \(n) has peers again (\(peers))", fields: fields)
        case .credentials(let m):
            return Event(.rpcCredentials, "node \(n): \(m); not restarting it (a restart does not fix credentials)", fields: fields)
        case .credentialsAccepted:
            return Event(.chainRecovered, "node \(n): the RPC accepts nodeguard's credentials again", fields: fields)
        case .recovered(let problem, let after, let h):
            let what = problem == .down ? "its RPC answers again" : problem == .stalled ? "its height advances again" : "it is no longer behind"
            return Event(.chainRecovered, "node \(n): \(what)\(h.map { " at height \($0)" } ?? ""), \(TimeSpan.format(after)) after it was found \(problem == .down ? "down" : problem.rawValue)", fields: fields)
        }
    }
}

extension ChainLivenessCheck {
    /// The height with how long since it moved, the peers, syncing and the lag.
    func reading(_ now: Double) -> Reading {
        let l = liveness, s = settings
        var figures: [Figure] = []
        if l.height != nil, let a = l.advancedAt { figures.append(Figure("since advanced", .seconds((now - a).rounded()))) }
        if let p = l.last?.peers { figures.append(Figure("peers", .count(p))) }
        if l.last?.syncing == true { figures.append(Figure("syncing", .word("syncing"))) }
        if s.reference != nil, let lag = l.lag(reference: l.referenceHeight) { figures.append(Figure("lag", .count(Int(lag)))) }
        var notes: [String] = []
        var state = CheckState.ok
        if let e = l.credentialsError { state = .error; notes.append(e) }
        if l.failingSince != nil, let since = l.silentSince {
            notes.append("no answer for \(TimeSpan.format((now - since).rounded())): \(l.lastError ?? "")")
            state = max(state, .warning)
        }
        if let w = l.last?.warmingUp, l.failingSince == nil { notes.append(w) }
        if l.inGrace(now), let g = l.graceUntil { notes.append("startup grace: \(TimeSpan.format((g - now).rounded())) left") }
        if l.isolatedSaid { notes.append("no peers"); state = max(state, .warning) }
        if let p = l.problem { state = p.kind == .behind ? max(state, .warning) : .critical }
        let value: Quantity = l.height.map { .count(Int($0)) } ?? .word(l.last?.warmingUp != nil ? "starting" : l.last != nil ? "alive" : "?")
        return Reading(Self.chain, target: s.url, node: node.name, value: value, figures: figures,
                       critical: l.height == nil ? nil : Threshold(.atLeast, .seconds(s.stalledAfter), scope: "unchanged"),
                       state: state, notes: notes)
    }
}
