// journald's disk usage: measured every check_interval, rotated and vacuumed
// over max_use, and vacuumed to half of it for a disk at critical.

final class JournalCheck: Reclaiming {
    static let declaration = CheckDeclaration("journal", readings: [journal], counters: [freed]) { [JournalCheck($0.config.journal, root: $0.root)] }

    static let journal = ReadingKind("journal", "journald's disk usage, vacuumed over max_use", gauges: [bytes],
        samples: { r, out in if case .bytes(let v) = r.value { out.add(bytes, Double(v)) } })
    static let bytes = Gauge("nodeguard_journal_bytes", help: "The journal's files on disk.")
    static let freed = FreedCounter("journal", "nodeguard_journal_freed_bytes_total", help: "Bytes nodeguard freed by vacuuming the journal.")

    private(set) var config: JournalConfig
    let root: HostRoot
    var checkedAt = -Double.infinity
    private(set) var reading: Reading?
    /// The usage right after the last vacuum: the active files alone can stay
    /// over max_use, and vacuuming again only helps once the journal grew.
    var afterVacuum: UInt64?

    var kind: String { Self.declaration.kind }
    var target: String { "journald" }

    init(_ config: JournalConfig, root: HostRoot) { self.config = config; self.root = root }

    func update(_ new: Config) {
        guard new.journal != config else { return }
        config = new.journal
        checkedAt = -Double.infinity; reading = nil
    }

    func run(_ cycle: inout Cycle) {
        let j = config
        if let cached = reading, cycle.now.monotonic - checkedAt < j.checkInterval {
            cycle.readings.append(cached)
            return
        }
        checkedAt = cycle.now.monotonic
        guard JournalProbe.running(root: root), let used = JournalProbe.usage(root: root) else {
            let none = Reading(Self.journal, target: "journald", value: .word("no journald"), notes: ["no journald runs here: nothing to measure or vacuum"])
            reading = none
            cycle.readings.append(none)
            return
        }
        var after = used
        let grown = afterVacuum.map { used > $0 + j.maxUse / 10 } ?? true
        if cycle.mode.decides, j.maxUse > 0, used > j.maxUse, grown {
            let done = vacuum(to: j.maxUse, because: "its files take \(Size.format(used)), over max_use \(Size.format(j.maxUse))", &cycle)
            cycle.events.append(done.event)
            after = done.after
            afterVacuum = after
        } else if used <= j.maxUse {
            afterVacuum = nil
        }
        let stuck = j.maxUse > 0 && after > j.maxUse
        let shown = Reading(Self.journal, target: "journald", value: .bytes(after),
                            warn: j.maxUse > 0 ? Threshold(.above, .bytes(j.maxUse)) : nil,
                            state: stuck ? .warning : .ok,
                            notes: stuck && afterVacuum != nil ? ["the active journal files alone are over max_use: lower SystemMaxFileSize in journald.conf or raise max_use"] : [])
        reading = shown
        cycle.readings.append(shown)
    }

    /// `journalctl --rotate`, then `--vacuum-size`: the event, the usage after, what was freed.
    func vacuum(to limit: UInt64, because why: String, _ cycle: inout Cycle) -> (event: Event, after: UInt64, freed: UInt64, failure: String?) {
        let before = JournalProbe.usage(root: root) ?? 0
        let fields: [(String, String)] = [("CHECK", "journal"), ("TARGET", "journald"), ("THRESHOLD", String(limit))]
        if cycle.mode == .dryRun {
            return (Event(.journalVacuumed, "would rotate and vacuum the journal to \(Size.format(limit)) (dry run): \(why)",
                          fields: fields + [("ACTION", "would-vacuum"), ("VALUE", "0")]), before, 0, nil)
        }
        let journalctl = ["/usr/bin/journalctl", "/bin/journalctl"].first { FileIO.exists($0) } ?? "/usr/bin/journalctl"
        let rotate = CommandRunner.run([journalctl, "--rotate"], timeout: 60, whileWaiting: cycle.whileWaiting)
        let vacuum = CommandRunner.run([journalctl, "--vacuum-size=\(limit)"], timeout: 120, whileWaiting: cycle.whileWaiting)
        let after = JournalProbe.usage(root: root) ?? before
        let freed = before > after ? before - after : 0
        cycle.tallies.append(.freed(Self.freed, bytes: freed))
        let ok = rotate.succeeded && vacuum.succeeded
        let failure = ok ? nil : (rotate.succeeded ? vacuum.detail : rotate.detail)
        cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "vacuum journal", target: "journald", outcome: ok ? "\(Size.format(freed)) freed" : vacuum.detail))
        return (Event(.journalVacuumed, failure.map { "vacuuming the journal failed: \($0) (\(why))" }
                          ?? "vacuumed the journal to \(Size.format(limit)): \(Size.format(freed)) freed, \(Size.format(after)) left (\(why))",
                      priority: ok ? nil : .err,
                      fields: fields + [("ACTION", "vacuum"), ("VALUE", String(freed)), ("OUTCOME", ok ? "ok" : vacuum.detail)]),
                after, freed, failure)
    }

    /// For a disk at critical: the journal vacuumed to half its max_use when
    /// it lives on that filesystem; what was freed, or nil when it is elsewhere.
    func reclaim(onFilesystemOf full: String, disk path: String, _ cycle: inout Cycle) -> Reclaimed? {
        guard JournalProbe.directories.contains(where: { FileIO.isDirectory(root.path($0)) && FileIO.sameFilesystem(full, root.path($0)) }) else { return nil }
        let limit = config.maxUse > 0 ? config.maxUse / 2 : 100 * 1_048_576
        let done = vacuum(to: limit, because: "\(path) is at critical", &cycle)
        cycle.events.append(done.event)
        reading = nil
        return Reclaimed(what: "the journal", freed: done.freed, dryRun: cycle.mode == .dryRun, failure: done.failure)
    }
}
