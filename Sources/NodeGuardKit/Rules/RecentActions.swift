// The recent actions `nodeguard status` shows. Restarts, restart limits,
// failures and quota actions are what an operator looks for: the last 20 are
// kept. Routine upkeep (a log pruned, the journal vacuumed) is folded into
// one entry per action and target, with how many times and since when, and
// only the last 5 of those are kept: a container pruned every minute cannot
// push a restart out of the list.

public enum RecentActions {
    static let kept = 20
    static let routineKept = 5

    public static func isRoutine(_ a: ActionRecord) -> Bool {
        a.action.hasSuffix(" log") || a.action == "vacuum journal"
    }

    /// The list with `a` added (oldest first).
    public static func adding(_ a: ActionRecord, to list: [ActionRecord]) -> [ActionRecord] {
        var list = list
        var a = a
        if isRoutine(a), let i = list.lastIndex(where: { isRoutine($0) && $0.action == a.action && $0.target == a.target }) {
            a.count = list[i].count + a.count
            a.since = list[i].since ?? list[i].wall
            list.remove(at: i)
        }
        list.append(a)
        return trimmed(list)
    }

    /// The oldest dropped: beyond 5 routine entries, beyond 20 others.
    static func trimmed(_ list: [ActionRecord]) -> [ActionRecord] {
        let routineCount = list.filter(isRoutine).count
        var routine = routineCount - routineKept
        var other = list.count - routineCount - kept
        guard routine > 0 || other > 0 else { return list }
        return list.filter { a in
            if isRoutine(a) { routine -= 1; return routine < 0 }
            other -= 1; return other < 0
        }
    }
}
