// The one rule of a producer group: at most one member producing, always.
// A member is resumed only when every other member is confirmed not
// producing: its process gone, or nodeguard's own pause answered ok and
// `paused` then read true (a `paused = true` nodeguard did not cause is
// never trusted: on Savanna chains a node pauses and resumes itself). A
// member that cannot be confirmed paused while it runs is fenced (its
// process stopped) before anything is resumed. Pure: the producer check
// reads the members and carries out the steps.

/// A member of a producer group as it was just read.
public struct MemberState: Equatable, Sendable {
    public enum Process: Equatable, Sendable { case running, gone, unknown }

    public var name: String
    public var process: Process
    /// What /v1/producer/paused answered now; nil: no answer.
    public var paused: Bool?
    /// nodeguard's own pause answered ok, and nodeguard has not resumed it since.
    public var pausedByUs: Bool
    /// Blocks of ours were signed while every member but the active one was
    /// paused, and this one is the only other that runs: it ignores pause.
    public var ignoresPause: Bool
    /// Since when nodeguard has been asking it to pause without confirming
    /// it (monotonic seconds); nil when confirmed or not asked.
    public var unconfirmedSince: Double?
    /// Its process runs, its RPC answers, its head is recent and advances.
    public var healthy: Bool
    /// Whether it may be producing, as far as this nodeguard saw.
    public var producing: Producing
    public enum Producing: Sendable {
        /// Confirmed not producing since it last produced: only a resume
        /// makes it produce again (a restart finds it paused: pause-on-startup).
        case no
        /// Not confirmed either way since nodeguard started.
        case unknown
        /// Read unpaused, or resumed, since it was last confirmed not producing.
        case seen
    }

    public init(_ name: String, process: Process = .running, paused: Bool? = true, pausedByUs: Bool = true,
                ignoresPause: Bool = false, unconfirmedSince: Double? = nil, healthy: Bool = true, producing: Producing = .unknown) {
        self.name = name; self.process = process; self.paused = paused; self.pausedByUs = pausedByUs
        self.ignoresPause = ignoresPause; self.unconfirmedSince = unconfirmedSince; self.healthy = healthy
        self.producing = producing
    }

    /// Known not to produce: gone, or paused by nodeguard and read paused.
    public var confirmedNotProducing: Bool {
        process == .gone || (pausedByUs && paused == true && !ignoresPause)
    }
}

public enum ProducerStep: Equatable, Sendable {
    /// Ask it to pause (again: pausing is idempotent).
    case pause(String)
    /// Stop its process: it cannot be confirmed paused while it runs.
    case fence(String, why: String)
    /// Ask it to resume: every other member is confirmed not producing.
    case resume(String)
    /// Nothing is resumed yet, and why.
    case hold(String, why: String)
}

public enum ProducerRule {
    /// One block: after the last pause is confirmed, a block the old
    /// producer had in flight may still be signed.
    public static let blockInterval = 0.5

    /// The steps toward `active` producing alone (nil: none may produce).
    /// `pausesConfirmedAt`: when the last other member was confirmed paused
    /// (monotonic); `fenceAfter`: how long a member may stay unconfirmed.
    /// `established`: every other member was confirmed not producing since
    /// `active` was chosen; until then a member found producing is treated
    /// as one still to be resumed.
    /// `stopping`: no member may produce here (a lease lost, or held by
    /// another host). One seen producing that cannot be confirmed paused is
    /// fenced at once: the lease is gone or another host's, and the holder's
    /// margin left time for one pause call, not for fence_after. One not
    /// known either way is fenced after fence_after; one confirmed paused
    /// since it last produced (a standby whose nodeos restarts and answers
    /// nothing until its database is open) is asked again, not stopped.
    public static func steps(_ members: [MemberState], active: String?, now: Double,
                             pausesConfirmedAt: Double, fenceAfter: Double, established: Bool = true, stopping: Bool = false) -> [ProducerStep] {
        var steps: [ProducerStep] = []
        var waiting: [String] = []
        let a = members.first { $0.name == active }
        // Fencing makes way for a resume: while the active member already
        // produces, a standby that does not answer is asked again, not stopped
        // (one that restarts answers nothing until its database is open).
        // A member found producing (at start) has not made that way yet.
        let resumePending = a.map { $0.paused != false || $0.pausedByUs || !established } ?? false
        for m in members where m.name != active {
            if m.confirmedNotProducing { continue }
            waiting.append(m.name)
            let after = stopping && m.producing == .seen ? 0 : fenceAfter
            if let why = fenceReason(m, now: now, fenceAfter: after, resumePending: resumePending || (stopping && m.producing != .no)) {
                steps.append(.fence(m.name, why: why))
            } else {
                steps.append(.pause(m.name))
            }
        }
        guard let active, let a, resumePending else { return steps }
        if !waiting.isEmpty {
            steps.append(.hold(active, why: "waiting until \(waiting.joined(separator: ", ")) \(waiting.count == 1 ? "is" : "are") confirmed paused or stopped"))
        } else if now - pausesConfirmedAt < blockInterval {
            steps.append(.hold(active, why: "one block interval after the last pause"))
        } else if a.process == .running {
            steps.append(.resume(active))
        }
        return steps
    }

    /// Why a member must be fenced now, or nil while a pause may still do.
    static func fenceReason(_ m: MemberState, now: Double, fenceAfter: Double, resumePending: Bool) -> String? {
        if m.ignoresPause { return "it signs our blocks while it should be paused" }
        guard resumePending, let since = m.unconfirmedSince, now - since >= fenceAfter else { return nil }
        if m.paused == nil { return "its producer API has not answered for \(TimeSpan.format(now - since))" }
        return "it has not confirmed a pause for \(TimeSpan.format(now - since))"
    }

    /// Who should produce: the current member while it is healthy (no
    /// fail-back: flapping costs blocks), else the first healthy member in
    /// the group's order; nil when none is healthy.
    public static func choose(_ members: [MemberState], current: String?) -> String? {
        if let c = current, members.first(where: { $0.name == c })?.healthy == true { return c }
        return members.first { $0.healthy && $0.process == .running }?.name
    }
}
