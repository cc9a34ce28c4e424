// When a restart is allowed: never during the grace period after the last
// one, and at most max_restarts per restart_window. Past the limit nodeguard
// stops restarting (a restart storm hides the problem and hurts the chain
// sync) until the window has passed.

public struct RestartPolicy: Equatable, Sendable {
    public var grace: Double
    public var maxRestarts: Int
    public var window: Double
    /// Wall-clock times of restart attempts, failed ones included.
    public private(set) var history: [Double] = []
    /// The CRIT "stopped restarting" was logged and no restart is allowed.
    public private(set) var limitReached = false
    /// Restart attempts and re-arms since nodeguard started (not saved): the
    /// node's checks start their alarms afresh when either moves.
    public private(set) var attempts = 0
    public private(set) var rearms = 0

    public init(grace: Double, maxRestarts: Int, window: Double, history: [Double] = [], limitReached: Bool = false) {
        self.grace = grace; self.maxRestarts = maxRestarts; self.window = window
        self.history = history; self.limitReached = limitReached
    }

    public func restartsInWindow(now: Double) -> Int { history.filter { now - $0 < window && $0 <= now + 1 }.count }

    /// No restart is allowed until the window has passed.
    public func overBudget(now: Double) -> Bool { limitReached || restartsInWindow(now: now) >= maxRestarts }

    public func inGrace(now: Double) -> Bool {
        guard let last = history.last else { return false }
        // A clock stepped back before the last restart counts as inside grace.
        return now - last < grace
    }

    public func graceLeft(now: Double) -> Double { max(0, (history.last ?? -Double.infinity) + grace - now) }

    public enum Permit: Equatable, Sendable {
        case allowed
        /// The limit was just reached: log CRIT once.
        case limitJustReached(count: Int)
        /// Still limited; already logged.
        case limited
    }

    public mutating func permit(now: Double) -> Permit {
        if restartsInWindow(now: now) < maxRestarts {
            return limitReached ? .limited : .allowed
        }
        if limitReached { return .limited }
        limitReached = true
        return .limitJustReached(count: restartsInWindow(now: now))
    }

    /// When restarting is allowed again: the moment enough of the window's
    /// restarts are restart_window old; nil if it is allowed now.
    public func rearmsAt(now: Double) -> Double? {
        let inWindow = history.filter { now - $0 < window && $0 <= now + 1 }.sorted()
        guard inWindow.count >= maxRestarts, maxRestarts > 0 else { return nil }
        return inWindow[inWindow.count - maxRestarts] + window
    }

    /// True once when the window has passed since the limit was reached.
    public mutating func rearm(now: Double) -> Bool {
        guard limitReached, restartsInWindow(now: now) < maxRestarts else { return false }
        limitReached = false
        rearms += 1
        return true
    }

    public mutating func record(now: Double) {
        history.append(now)
        attempts += 1
        // Keep only what the window can still count.
        history.removeAll { now - $0 >= window }
    }

    /// The state file: survives a crash, kill -9 or reboot so that a
    /// crash-looping nodeguard cannot restart the node more often than allowed.
    public func serialized() -> String {
        "# nodeguard restart history (wall-clock seconds); written by nodeguardd\nlimit_reached \(limitReached ? 1 : 0)\n"
            + history.map { "restart \($0)\n" }.joined()
    }

    public mutating func restore(_ text: String) {
        var h: [Double] = []
        var limit = false
        for line in text.split(separator: "\n") {
            let w = line.split(separator: " ")
            guard w.count == 2 else { continue }
            if w[0] == "restart", let t = Double(w[1]) { h.append(t) }
            if w[0] == "limit_reached" { limit = w[1] == "1" }
        }
        history = h.sorted()
        limitReached = limit
    }
}
