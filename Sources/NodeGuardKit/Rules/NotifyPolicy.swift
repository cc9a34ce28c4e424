// What one [[notify]] target is told, and when: pure, on an injected clock.
// A problem is said once (by event kind, node and what it is about), again
// after repeat_after while it holds, and its recovery once; what comes within
// `batch` of the first goes out as one message; more than max_per_hour
// messages are held back and counted in one message at the hour's end.

/// One line of a notification.
public struct NotifyItem: Equatable, Sendable {
    public enum Role: String, Sendable { case event, reminder, recovery, heldBack = "held_back", test }
    public var role: Role
    public var event: Event
    /// Wall time the event happened.
    public var time: Double

    public init(_ role: Role, _ event: Event, time: Double) { self.role = role; self.event = event; self.time = time }
}

/// A problem a target was told of and not yet told is over.
public struct OpenProblem: Equatable, Sendable {
    public var key: String
    public var event: Event
    public var since: Double
    public var lastSaid: Double
    /// Restarts of its node while it held: the recovery says how many.
    public var restarts = 0
}

public struct NotifyPolicy: Sendable {
    public let target: NotifyTarget
    public private(set) var open: [OpenProblem] = []
    /// Lines waiting for the batch window to close.
    public private(set) var pending: [NotifyItem] = []
    var windowStart: Double?
    var hourStart: Double?
    var sentThisHour = 0
    var heldBack: [(kind: String, count: Int)] = []

    public init(_ target: NotifyTarget, open: [OpenProblem] = []) { self.target = target; self.open = open }

    /// The same target after a reload, with its settings as now written: what
    /// it was told, the batch still open and this hour's count go on, so a
    /// reload neither drops a waiting line nor says a problem twice.
    public func reconfigured(_ new: NotifyTarget) -> NotifyPolicy {
        var p = NotifyPolicy(new, open: open)
        p.pending = pending
        p.windowStart = windowStart
        p.hourStart = hourStart
        p.sentThisHour = sentThisHour
        p.heldBack = heldBack
        return p
    }

    /// Takes a cycle's events; returns the messages to send now (each a list of lines).
    public mutating func step(_ events: [Event], now: Double) -> [[NotifyItem]] {
        for e in events { take(e, now: now) }
        remind(now: now)
        var out: [[NotifyItem]] = []
        if let start = hourStart, now - start >= 3600 {
            if let summary = heldBackSummary(now: now) { out.append([summary]) }
            hourStart = nil
            sentThisHour = 0
        }
        if let start = windowStart, now - start >= target.batch, !pending.isEmpty {
            let message = pending
            pending = []
            windowStart = nil
            if let m = capped(message, now: now) { out.append(m) }
        }
        return out
    }

    mutating func take(_ e: Event, now: Double) {
        if e.kind == .restart, let node = e.field("NODE") {
            for i in open.indices where open[i].event.field("NODE") == node { open[i].restarts += 1 }
        }
        if let closes = NotifyRules.closes(e) {
            let over = open.filter { closes($0.event) }
            guard !over.isEmpty else { return }  // never told of it: nothing to take back
            open.removeAll { closes($0.event) }
            let restarts = over.map(\.restarts).max() ?? 0
            var said = e
            if restarts > 0 { said.message += " after \(counted(restarts, "restart"))" }
            add(NotifyItem(.recovery, said, time: e.time ?? now), now: now)
            return
        }
        guard passes(e) else { return }
        if NotifyRules.opensProblem(e.kind) {
            let key = NotifyRules.key(e)
            guard !open.contains(where: { $0.key == key }) else { return }  // said once
            open.append(OpenProblem(key: key, event: e, since: now, lastSaid: now))
        }
        add(NotifyItem(.event, e, time: e.time ?? now), now: now)
    }

    /// The target's filters; a restart counts as a warning (nodeguard acted).
    public func passes(_ e: Event) -> Bool {
        let p = NotifyRules.priority(e)
        guard p <= target.minPriority else { return false }
        if !target.events.isEmpty && !target.events.contains(e.kind.rawValue) { return false }
        if target.excludeEvents.contains(e.kind.rawValue) { return false }
        if let node = e.field("NODE") {
            if !target.nodes.isEmpty && !target.nodes.contains(node) { return false }
            if target.excludeNodes.contains(node) { return false }
        }
        return true
    }

    mutating func remind(now: Double) {
        guard target.repeatAfter > 0 else { return }
        for i in open.indices where now - open[i].lastSaid >= target.repeatAfter {
            open[i].lastSaid = now
            var e = open[i].event
            e.message = "still: \(e.message) (for \(TimeSpan.format(roundedToMinutes(now - open[i].since))))"
            add(NotifyItem(.reminder, e, time: now), now: now)
        }
    }

    mutating func add(_ item: NotifyItem, now: Double) {
        if pending.isEmpty { windowStart = now }
        pending.append(item)
    }

    /// The message, or nil when this hour's cap is reached (then counted).
    mutating func capped(_ message: [NotifyItem], now: Double) -> [NotifyItem]? {
        if hourStart == nil { hourStart = now }
        if sentThisHour < target.maxPerHour {
            sentThisHour += 1
            return message
        }
        for item in message {
            let kind = item.event.kind.rawValue
            if let i = heldBack.firstIndex(where: { $0.kind == kind }) { heldBack[i].count += 1 } else { heldBack.append((kind, 1)) }
        }
        return nil
    }

    mutating func heldBackSummary(now: Double) -> NotifyItem? {
        guard !heldBack.isEmpty else { return nil }
        let total = heldBack.reduce(0) { $0 + $1.count }
        let kinds = heldBack.map { "\($0.kind) ×\($0.count)" }.joined(separator: ", ")
        heldBack = []
        let text = "\(counted(total, "notification")) held back in the last hour (\(kinds)): more than max_per_hour = \(target.maxPerHour); `journalctl -u nodeguard` has them all"
        return NotifyItem(.heldBack, Event(.notifyHeldBack, text, fields: [("COUNT", String(total))]), time: now)
    }

    func roundedToMinutes(_ s: Double) -> Double { s < 60 ? s.rounded() : (s / 60).rounded() * 60 }
}

/// Which events open a problem, which end one, and how problems are told apart.
public enum NotifyRules {
    /// Problems said once and then only as reminders until they end.
    public static func opensProblem(_ k: EventKind) -> Bool {
        switch k {
        case .warning, .critical, .probeFailed, .leakTrend, .nodeDown, .dockerUnreachable, .restartLimit, .bandwidthWarning,
             .chainDown, .chainStalled, .chainBehind, .chainIsolated, .rpcCredentials:
            return true
        default:
            return false
        }
    }

    /// The same problem: its kind, its node and what it is about.
    public static func key(_ e: Event) -> String {
        [e.kind.rawValue, e.field("NODE") ?? "", e.field("CHECK") ?? "", e.field("TARGET") ?? ""].joined(separator: "|")
    }

    /// For an event that ends problems, which open problems it ends.
    public static func closes(_ e: Event) -> ((Event) -> Bool)? {
        let node = e.field("NODE"), check = e.field("CHECK"), target = e.field("TARGET")
        switch e.kind {
        case .recovered:
            let checkKinds: Set<EventKind> = [.warning, .critical, .probeFailed, .leakTrend]
            return { checkKinds.contains($0.kind) && $0.field("NODE") == node && $0.field("CHECK") == check && $0.field("TARGET") == target }
        case .nodeUp: return { $0.kind == .nodeDown && $0.field("NODE") == node }
        case .chainRecovered:
            let chain: Set<EventKind> = [.chainDown, .chainStalled, .chainBehind, .chainIsolated, .rpcCredentials]
            return { chain.contains($0.kind) && $0.field("NODE") == node }
        case .dockerBack: return { $0.kind == .dockerUnreachable && $0.field("TARGET") == target }
        case .restartRearmed: return { $0.kind == .restartLimit && $0.field("NODE") == node }
        case .bandwidthMonth: return { $0.kind == .bandwidthWarning }
        default: return nil
        }
    }

    /// Its priority for a target's min_priority: a restart is a warning here.
    public static func priority(_ e: Event) -> Priority {
        switch e.kind {
        case .restart, .bandwidthAction: return min(e.priority, .warning)
        default: return e.priority
        }
    }
}
