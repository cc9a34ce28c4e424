// Whether a node follows its chain, decided from its RPC's answers over
// time: down (no answer for down_after), stalled (height unchanged for
// stalled_after), behind a reference, isolated. Pure: times are monotonic
// seconds passed in, so a table of samples drives it in tests.
//
// A sync, a replay or a catch-up is never a stall while the height (or, in
// a sync, the header chain) advances; nothing is restarted within
// startup_grace of the node starting; bad credentials are said, never
// restarted for.

public enum LivenessFinding: Equatable, Sendable {
    case down(error: String, lasted: Double)
    case stalled(height: UInt64, lasted: Double, reference: UInt64?)
    case behind(lag: UInt64, reference: UInt64)
    /// Behind for behind_for without catching up: restarted.
    case stillBehind(lag: UInt64, lasted: Double)
    case caughtUp(lag: UInt64)
    case isolated(lasted: Double)
    case connected(peers: Int)
    case credentials(String)
    case credentialsAccepted
    /// The RPC answers again or the height advances again, `after` the problem was found.
    case recovered(from: LivenessProblem, after: Double, height: UInt64?)
}

public enum LivenessProblem: String, Equatable, Sendable { case down, stalled, behind }

public struct LivenessInput: Sendable {
    public var monotonic: Double
    /// The node's process: nil unknown, false not running.
    public var running: Bool?
    /// The node started or was restarted since the last input.
    public var started: Bool
    /// An answer that came this cycle, if one did.
    public var reply: ChainReply?
    /// When the call that brought `reply` was made (monotonic); nil: now.
    public var replyAt: Double?
    /// The reference node's height, when `reference` names one and it is known.
    public var referenceHeight: UInt64?

    public init(monotonic: Double, running: Bool?, started: Bool = false, reply: ChainReply? = nil, replyAt: Double? = nil,
                referenceHeight: UInt64? = nil) {
        self.monotonic = monotonic; self.running = running; self.started = started; self.reply = reply
        self.replyAt = replyAt; self.referenceHeight = referenceHeight
    }
}

/// A decision is made only on a reply that proves it: a stall on a sample
/// showing the same height stalled_after after it was first read; an outage
/// on a call failing down_after after the last answer (or after watching
/// began). Until such a reply comes, time passing proves nothing; the check
/// asks for one when a decision falls due (`due`).
public struct Liveness: Sendable {
    /// The last answer with a sample, and when its call was made.
    public private(set) var last: ChainSample?
    public private(set) var sampledAt: Double?
    public private(set) var height: UInt64?
    /// When the height (or, while syncing, the known chain) was first read at its current value.
    public private(set) var advancedAt: Double?
    public private(set) var graceUntil: Double?
    /// When the RPC last answered; nil: not since watching began.
    public private(set) var answeredAt: Double?
    /// When watching began: nodeguard's start, the node's start or restart.
    public private(set) var watchedSince: Double?
    /// The first failed call since the last answer, the last one, and its error.
    public private(set) var failingSince: Double?
    public private(set) var failedAt: Double?
    public private(set) var lastError: String?
    public private(set) var credentialsError: String?
    /// The problem found and not yet over, and when it was found.
    public private(set) var problem: (kind: LivenessProblem, at: Double)?
    var known: UInt64?
    /// The reference's height at the last answer: the stall event names it.
    public private(set) var referenceHeight: UInt64?
    var behind: (since: Double, lag: UInt64, said: Bool)?
    var isolatedSince: Double?
    var isolatedSaid = false
    var wasRunning = false

    public init() {}

    public struct Step: Equatable, Sendable {
        public var findings: [LivenessFinding] = []
        /// Restart for this problem (through the node's budget).
        public var restart: LivenessProblem?
    }

    public func inGrace(_ now: Double) -> Bool { graceUntil.map { now < $0 } ?? true }

    /// The lag behind the reference (another node or the node's own headers).
    public func lag(reference: UInt64?) -> UInt64? {
        guard let h = height, let r = reference else { return nil }
        return r > h ? r - h : 0
    }

    /// What the down clock counts from: the last answer, else when watching began.
    public var silentSince: Double? { answeredAt ?? watchedSince }

    /// The earliest time a reply could decide something not yet decided
    /// (an outage, a stall, staying behind, no peers), never within the
    /// grace; nil: nothing is pending. The check calls the RPC then, however
    /// long its rpc_every.
    public func due(_ s: LivenessSettings) -> Double? {
        var at: [Double] = []
        if failingSince != nil {
            if problem?.kind != .down, let since = silentSince { at.append(since + s.downAfter) }
        } else if problem == nil, height != nil, let a = advancedAt {
            at.append(a + s.stalledAfter)
        }
        if let b = behind, problem == nil { at.append(b.since + s.behindFor) }
        if let i = isolatedSince, !isolatedSaid { at.append(i + s.isolatedAfter) }
        guard let first = at.min() else { return nil }
        return max(first, graceUntil ?? first)
    }

    public mutating func observe(_ input: LivenessInput, _ s: LivenessSettings) -> Step {
        var step = Step()
        let now = input.monotonic
        guard input.running == true else {
            // Whether it runs is node_running's to say; its clocks start again when it does.
            if input.running == false { wasRunning = false; failingSince = nil; behind = nil; isolatedSince = nil }
            return step
        }
        if input.started || !wasRunning || graceUntil == nil { begin(now, s) }
        wasRunning = true
        guard let reply = input.reply else { return step }
        let at = input.replyAt ?? now
        take(reply, at, input.referenceHeight, s, &step)
        judge(reply, at, s, &step)
        return step
    }

    /// A start: the grace begins, the clocks start from the next reply.
    mutating func begin(_ now: Double, _ s: LivenessSettings) {
        graceUntil = now + s.startupGrace
        watchedSince = now
        answeredAt = nil
        advancedAt = nil
        failingSince = nil
        failedAt = nil
        behind = nil
        isolatedSince = nil
    }

    mutating func take(_ reply: ChainReply, _ at: Double, _ referenceHeight: UInt64?, _ s: LivenessSettings, _ step: inout Step) {
        switch reply {
        case .failure(.noCookie(let m)) where inGrace(at):
            lastError = m   // the node is starting: it writes its cookie when its RPC is up
        case .failure(.credentials(let m)), .failure(.noCookie(let m)):
            if credentialsError == nil { step.findings.append(.credentials(m)) }
            credentialsError = m
        case .failure(let f):
            if failingSince == nil { failingSince = at }
            failedAt = at
            lastError = f.message
        case .useFallback:
            break
        case .sample(let x):
            if credentialsError != nil { step.findings.append(.credentialsAccepted); credentialsError = nil }
            failingSince = nil
            failedAt = nil
            answeredAt = at
            if problem?.kind == .down, let p = problem {
                step.findings.append(.recovered(from: .down, after: at - p.at, height: x.height))
                problem = nil
            }
            sampled(x, at, referenceHeight, s, &step)
        }
    }

    mutating func sampled(_ x: ChainSample, _ now: Double, _ referenceHeight: UInt64?, _ s: LivenessSettings, _ step: inout Step) {
        last = x
        sampledAt = now
        // Opening its databases: not stuck.
        if x.warmingUp != nil { advancedAt = now; return }
        let knownMoved = x.syncing && (x.known ?? 0) > (known ?? 0)
        if let h = x.height {
            if h != height || knownMoved || advancedAt == nil {
                if height != nil, let p = problem, p.kind == .stalled, h != height {
                    step.findings.append(.recovered(from: .stalled, after: now - p.at, height: h))
                    problem = nil
                }
                advancedAt = now
            }
            height = h
        } else {
            advancedAt = now   // http without a height: alive is all it says
        }
        known = x.known
        self.referenceHeight = s.reference == "headers" ? x.known : referenceHeight
        if s.behindBy > 0 { compare(x, now, self.referenceHeight, s, &step) }
        if s.isolatedAfter > 0, let peers = x.peers { peersSeen(peers, now, &step) }
    }

    mutating func compare(_ x: ChainSample, _ now: Double, _ reference: UInt64?, _ s: LivenessSettings, _ step: inout Step) {
        guard let ref = reference, let lag = lag(reference: ref) else { return }
        if lag >= UInt64(s.behindBy) {
            if var b = behind {
                if lag < b.lag { b.since = now; b.lag = lag }   // catching up: the clock starts again
                behind = b
            } else {
                behind = (now, lag, true)
                step.findings.append(.behind(lag: lag, reference: ref))
            }
        } else if behind != nil {
            behind = nil
            step.findings.append(.caughtUp(lag: lag))
            if let p = problem, p.kind == .behind {
                step.findings.append(.recovered(from: .behind, after: now - p.at, height: height))
                problem = nil
            }
        }
    }

    mutating func peersSeen(_ peers: Int, _ now: Double, _ step: inout Step) {
        if peers > 0 {
            if isolatedSaid { step.findings.append(.connected(peers: peers)) }
            isolatedSince = nil
            isolatedSaid = false
        } else if isolatedSince == nil {
            isolatedSince = now
        }
    }

    /// This reply against the clocks: what to say and whether to restart.
    /// Only a reply decides; a restart is asked again on each reply that
    /// still shows the problem.
    mutating func judge(_ reply: ChainReply, _ at: Double, _ s: LivenessSettings, _ step: inout Step) {
        if let since = isolatedSince, !isolatedSaid, at - since >= s.isolatedAfter, !inGrace(at), case .sample = reply {
            isolatedSaid = true
            step.findings.append(.isolated(lasted: at - since))
        }
        guard !inGrace(at), credentialsError == nil || failingSince != nil else { return }
        switch reply {
        case .failure(.unreachable), .failure(.failing):
            guard let since = silentSince, at - since >= s.downAfter else { return }
            if problem?.kind != .down {
                problem = (.down, at)
                step.findings.append(.down(error: lastError ?? "no answer", lasted: at - since))
            }
            step.restart = .down
        case .sample:
            if let h = height, let a = advancedAt, at - a >= s.stalledAfter {
                if problem?.kind != .stalled {
                    problem = (.stalled, at)
                    step.findings.append(.stalled(height: h, lasted: at - a, reference: referenceHeight))
                }
                step.restart = .stalled
            } else if let b = behind, at - b.since >= s.behindFor, last?.syncing != true {
                if problem?.kind != .behind {
                    problem = (.behind, at)
                    step.findings.append(.stillBehind(lag: b.lag, lasted: at - b.since))
                }
                step.restart = .behind
            }
        default:
            return
        }
    }
}
