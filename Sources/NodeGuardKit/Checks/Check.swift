// A check is the unit of nodeguard: it owns its probe, its cadence, its
// alarms and its memory of past cycles, and says what it found into the
// cycle as typed readings, events and action requests. The guard runs every
// check each cycle (one that is not due shows what it found last), hands the
// requests to the nodes' actuators and the results to the sinks.
// Adding a check: one file here, with its declaration (CheckDeclaration:
// its readings, their words and figures, its restart reasons), and one line
// in CheckRegistry. The guard knows checks only through this protocol and
// the ones below (Keeping, AfterActions, Reclaiming, AwaitsReclaim).

/// A check as the guard sees it.
public protocol Check: AnyObject {
    /// Its declaration's kind ("node_memory", "disk", "journal"...): `Self.declaration.kind`.
    var kind: String { get }
    /// What it watches: a node's name, a disk's path, "host".
    var target: String { get }
    func run(_ cycle: inout Cycle)
    /// A reload: take the new settings, keep what was learnt while it still applies.
    func update(_ config: Config)
}

/// What a check asks of the guard; the guard decides who carries it out.
public enum ActionRequest: Equatable, Sendable {
    /// Restart (or start) the node named in the request, through its actuator.
    case restart(RestartRequest)
    /// The host floor held: the guard chooses which node (HostFloor).
    case hostFloor(RestartRequest)
    /// A disk reached critical: free what the Reclaiming checks can there,
    /// then tell the check that asked (AwaitsReclaim).
    case reclaim(disk: String)
    /// Run an action the operator configured for the check (bandwidth.action).
    case configured(ConfiguredAction)
}

/// An action the operator configured, as a check asks for it when it fires:
/// a command, or stopping or restarting nodes through their actuators and
/// budgets. Its one event says how it went.
public struct ConfiguredAction: Equatable, Sendable {
    public var action: OperatorAction
    /// The key that sets it, as its events name it: "bandwidth.action".
    public var key: String
    /// The nodes stop-node and restart-node act on; empty: every node.
    public var nodes: [String]
    public var timeout: Double
    public var event: EventKind
    /// The check that asked: its events' CHECK, its restarts' reason.
    public var check: String
    /// Why, in the check's words: "this month's traffic is …, past action_at 95%; …"
    public var why: String
    public var fields: [(String, String)]

    public init(_ action: OperatorAction, key: String, nodes: [String], timeout: Double, event: EventKind,
                check: String, why: String, fields: [(String, String)]) {
        self.action = action; self.key = key; self.nodes = nodes; self.timeout = timeout; self.event = event
        self.check = check; self.why = why; self.fields = fields
    }

    public static func == (a: ConfiguredAction, b: ConfiguredAction) -> Bool {
        a.action == b.action && a.key == b.key && a.nodes == b.nodes && a.timeout == b.timeout && a.event == b.event
            && a.check == b.check && a.why == b.why && a.fields.map(\.0) == b.fields.map(\.0) && a.fields.map(\.1) == b.fields.map(\.1)
    }
}

/// What a cycle may do.
public enum CycleMode: Sendable {
    /// `nodeguard check`: look, decide nothing, change nothing.
    case observe
    /// Decide and say, but change nothing (dry_run, --dry-run).
    case dryRun
    /// Decide, say and carry out.
    case act

    /// Whether decisions are made (and said): not while observing.
    public var decides: Bool { self != .observe }
}

/// One cycle as a check sees it: the clock, what it may do, what the
/// checks before it learnt, and where its findings go.
public struct Cycle {
    public let now: Now
    public let mode: CycleMode
    /// Which cycle this is: a node is read once a cycle, whatever the number of its checks.
    let serial: Int
    /// Keeps the watchdog fed while an action waits.
    let whileWaiting: () -> Void
    /// The host's MemTotal, once host_memory read it: node thresholds given as shares need it.
    public var hostTotal: UInt64?
    /// A node is in its grace after a restart: the host's memory waits for it.
    public var nodesInGrace = false
    /// Moves with every restart attempt and re-arm of any node: the host's
    /// alarms start afresh when it moved.
    public var restartEpoch = 0
    public var events: [Event] = []
    public var readings: [Reading] = []
    public var requests: [ActionRequest] = []
    /// What was done, for the recent actions `nodeguard status` shows.
    public var actions: [ActionRecord] = []
    /// What was done, as the metrics count it.
    public var tallies: [Tally] = []

    init(now: Now, mode: CycleMode, serial: Int = 0, whileWaiting: @escaping () -> Void) {
        self.now = now; self.mode = mode; self.serial = serial; self.whileWaiting = whileWaiting
    }
}

/// A check that keeps what it learnt across a restart of nodeguard, a
/// kill -9 or a reboot (the bandwidth ledger): the guard restores it when
/// the check is built and saves it at stop; the check saves when it must.
public protocol Keeping: Check {
    /// Reads what was saved; an event when it could not be used (moved aside).
    /// `readOnly`: for the CLI, which must not move or rewrite state files.
    func restore(readOnly: Bool, now: Now) -> Event?
    /// Saves durably; an event the first time that fails.
    func save(now: Now) -> Event?
}

/// A check that runs more often than `interval` (the producer groups, every
/// producer_every): the loop wakes as often as the most frequent one needs,
/// and the cycles between two intervals run only these.
protocol OwnCadence: Check {
    var every: Double { get }
}

/// A check that acts before a node is restarted: a producer group hands
/// production to a standby before its producing member goes down. The
/// guard holds the restart, asking again each cycle, until told to go on.
protocol HandsOver: Check {
    func beforeRestart(of node: String, _ cycle: inout Cycle) -> Handover
}

public enum Handover: Equatable, Sendable {
    /// Restart now; what the restart's event should add ("production was handed to b first").
    case proceed(String?)
    /// Not yet: production is being handed over.
    case wait
}

/// A check whose reading changes with what the guard did this cycle (a
/// restart spends a budget): told once the cycle's requests are carried out.
protocol AfterActions: Check {
    func actionsDone(_ cycle: inout Cycle)
}

/// A check that asks for a disk to be reclaimed: told what was freed.
protocol AwaitsReclaim: Check {
    /// Whether it was the one that asked for `disk`.
    func reclaimed(_ disk: String, _ freed: [Reclaimed], _ cycle: inout Cycle) -> Bool
}

/// A check that can free space when a disk is at critical (Docker logs, the journal).
protocol Reclaiming: Check {
    /// What was freed on the filesystem of `full` (the disk's path under the
    /// host root), or nil when nothing of this check lives there.
    func reclaim(onFilesystemOf full: String, disk: String, _ cycle: inout Cycle) -> Reclaimed?
}

public struct Reclaimed: Equatable, Sendable {
    /// "Docker logs", "the journal"
    public var what: String
    public var freed: UInt64
    /// Dry run: what would have been done, nothing freed.
    public var dryRun: Bool
    /// Why nothing could be freed, when it failed.
    public var failure: String?
}

/// A probe's failure is said once, and its end once.
struct ProbeFailures: Sendable {
    var failing: Set<String> = []

    /// The value when read; else the failure is said (once) and shown as an error reading of `kind`.
    mutating func value<T>(_ kind: ReadingKind, target: String, node: String? = nil, _ r: Result<T, ProbeError>, _ cycle: inout Cycle) -> T? {
        // The common case, read as always, builds nothing.
        if case .success(let v) = r, failing.isEmpty { return v }
        let check = kind.name
        // A node's by its name: a reload that fixes its target ends the failure it said.
        let key = check + " " + (node ?? target)
        var fields: [(String, String)] = [("CHECK", check), ("TARGET", target)]
        if let node { fields.insert(("NODE", node), at: 0) }
        switch r {
        case .success(let v):
            if failing.remove(key) != nil {
                let what = node.map { "node \($0) (\(target))" } ?? "\(check) \(target)"
                cycle.events.append(Event(.recovered, "\(what) can be read again", fields: fields))
            }
            return v
        case .failure(let e):
            if failing.insert(key).inserted {
                cycle.events.append(Event(.probeFailed, e.message, fields: fields))
            }
            cycle.readings.append(Reading(kind, target: target, node: node, value: .word("?"), state: .error, notes: [e.message]))
            return nil
        }
    }
}

/// A node's restart as a check asks for it: which node, which check, the
/// value and threshold that made it (raw numbers, for the event's fields), and why.
public struct RestartRequest: Equatable, Sendable {
    public var node: String
    public var check: String
    public var value: String
    public var threshold: String
    public var reason: String
    /// The restart's reason in the metrics when it is not the check's name
    /// ("chain_stalled" of the chain check).
    public var cause = ""

    public var countedAs: String { cause.isEmpty ? check : cause }
}

/// What a cycle did that the metrics count (and keep across restarts).
public enum Tally: Equatable, Sendable {
    /// A restart made (failed ones too: they count against max_restarts);
    /// the reason is the check that asked ("node_memory", "chain_stalled").
    case restart(node: String, reason: String)
    case freed(FreedCounter, bytes: UInt64)
    /// Blocks of a producer account's turn missed (counted on the chain).
    case blocksMissed(account: String, count: Int)
    /// A renewal of a producer group's lease that etcd did not acknowledge.
    case leaseRenewalFailed(account: String)
    /// Production moved to another member; reason: ProducerSwitch's words.
    case producerSwitch(account: String, reason: String)
}
