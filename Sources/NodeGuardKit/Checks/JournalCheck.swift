// journald's disk usage: measured every check_interval, rotated and vacuumed
// over max_use, and vacuumed to half of it for a disk at critical.

final class JournalCheck: Check {
    private(set) var config: JournalConfig
    let root: HostRoot
    var checkedAt = -Double.infinity
    private(set) var view: CheckView?
    /// The usage right after the last vacuum: the active files alone can stay
    /// over max_use, and vacuuming again only helps once the journal grew.
    var afterVacuum: UInt64?

    init(_ config: JournalConfig, root: HostRoot) { self.config = config; self.root = root }

    func update(_ new: JournalConfig) {
        guard new != config else { return }
        config = new
        checkedAt = -Double.infinity; view = nil
    }

    func run(_ cycle: inout Cycle) {
        let j = config
        if let cached = view, cycle.now.monotonic - checkedAt < j.checkInterval {
            cycle.checks.append(cached)
            return
        }
        checkedAt = cycle.now.monotonic
        guard let used = JournalProbe.usage(root: root) else { view = nil; return }
        var after = used
        let grown = afterVacuum.map { used > $0 + j.maxUse / 10 } ?? true
        if cycle.act, j.maxUse > 0, used > j.maxUse, grown {
            let (event, left) = vacuum(to: j.maxUse, because: "its files take \(Size.format(used)), over max_use \(Size.format(j.maxUse))", &cycle)
            cycle.events.append(event)
            after = left ?? used
            afterVacuum = after
        } else if used <= j.maxUse {
            afterVacuum = nil
        }
        let stuck = j.maxUse > 0 && after > j.maxUse
        let shown = CheckView(check: "journal", target: "journald", value: Size.format(after),
                              warn: j.maxUse > 0 ? "> \(Size.format(j.maxUse))" : "",
                              state: stuck ? .warning : .ok,
                              note: stuck && afterVacuum != nil ? "the active journal files alone are over max_use: lower SystemMaxFileSize in journald.conf or raise max_use" : "")
        view = shown
        cycle.checks.append(shown)
    }

    /// `journalctl --rotate`, then `--vacuum-size`; the event and the usage after.
    func vacuum(to limit: UInt64, because why: String, _ cycle: inout Cycle) -> (Event, UInt64?) {
        let before = JournalProbe.usage(root: root) ?? 0
        let fields: [(String, String)] = [("CHECK", "journal"), ("TARGET", "journald"), ("THRESHOLD", String(limit))]
        if cycle.dryRun {
            return (Event(.journalVacuumed, "would rotate and vacuum the journal to \(Size.format(limit)) (dry run): \(why)",
                          fields: fields + [("ACTION", "would-vacuum"), ("VALUE", "0")]), before)
        }
        let journalctl = ["/usr/bin/journalctl", "/bin/journalctl"].first { FileIO.exists($0) } ?? "/usr/bin/journalctl"
        let rotate = CommandRunner.run([journalctl, "--rotate"], timeout: 60, whileWaiting: cycle.whileWaiting)
        let vacuum = CommandRunner.run([journalctl, "--vacuum-size=\(limit)"], timeout: 120, whileWaiting: cycle.whileWaiting)
        let after = JournalProbe.usage(root: root) ?? before
        let freed = before > after ? before - after : 0
        let ok = rotate.succeeded && vacuum.succeeded
        cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "vacuum journal", target: "journald", outcome: ok ? "\(Size.format(freed)) freed" : vacuum.detail))
        return (Event(.journalVacuumed, ok ? "vacuumed the journal to \(Size.format(limit)): \(Size.format(freed)) freed, \(Size.format(after)) left (\(why))"
                                           : "vacuuming the journal failed: \(rotate.succeeded ? vacuum.detail : rotate.detail) (\(why))",
                      priority: ok ? nil : .err,
                      fields: fields + [("ACTION", "vacuum"), ("VALUE", String(freed)), ("OUTCOME", ok ? "ok" : vacuum.detail)]), after)
    }

    /// For a disk at critical: the journal vacuumed to half its max_use when
    /// it lives on that filesystem; what was freed, or nil when it is elsewhere.
    func reclaim(onFilesystemOf full: String, path: String, _ cycle: inout Cycle) -> String? {
        guard JournalProbe.directories.contains(where: { FileIO.isDirectory(root.path($0)) && FileIO.sameFilesystem(full, root.path($0)) }) else { return nil }
        let limit = config.maxUse > 0 ? config.maxUse / 2 : 100 * 1_048_576
        let (e, _) = vacuum(to: limit, because: "\(path) is at critical", &cycle)
        cycle.events.append(e)
        view = nil
        return e.message.hasPrefix("vacuumed") ? "vacuumed the journal: \(Size.format(UInt64(e.field("VALUE") ?? "") ?? 0)) freed" : "journal: \(e.message)"
    }
}
