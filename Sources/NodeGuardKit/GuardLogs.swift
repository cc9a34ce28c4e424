// The disk that Docker's logs and the journal eat: measured every
// scan_interval / check_interval, pruned over the limits, and pruned harder
// (every closed rotation, the journal vacuumed) when a disk reaches critical.
#if canImport(Glibc)
import Glibc
#endif

extension Guard {
    // MARK: Docker logs

    func checkDockerLogs(now: Now, act: Bool, into d: inout Decisions) {
        let c = config.dockerLogs
        guard c.enabled else { return }
        if now.monotonic - dockerLogsScannedAt < c.scanInterval {
            if let cached = dockerLogsView { d.checks.append(cached); return }
            if dockerAbsent { return }   // looked for Docker less than scan_interval ago
        }
        dockerLogsScannedAt = now.monotonic
        dockerAbsent = false
        let scanned = DockerLogsProbe.scan(c.containersDir, cache: dockerLogsCache)
        if case .failure = scanned, c.containersDir == DockerLogsConfig().containersDir, !FileIO.exists(c.containersDir) {
            dockerLogsView = nil   // no Docker on this host (yet): look again after scan_interval
            dockerAbsent = true
            return
        }
        guard var logs = rules.probeResult("docker_logs", target: c.containersDir, scanned, into: &d) else { dockerLogsView = nil; return }
        if act {
            let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal)
            d.events += prune(steps, now: now)
            if !steps.isEmpty && !dryRun, case .success(let again) = DockerLogsProbe.scan(c.containersDir, cache: dockerLogsCache) { logs = again }
        }
        let view = dockerLogsCheck(logs)
        dockerLogsView = view
        dockerLogsTotal = logs.reduce(0) { $0 + $1.bytes }
        d.checks.append(view)
    }

    func dockerLogsCheck(_ logs: [ContainerLogs]) -> CheckView {
        let c = config.dockerLogs
        let total = logs.reduce(0) { $0 + $1.bytes }
        let largest = logs.max { $0.bytes < $1.bytes }
        var value = "\(Size.format(total)) in \(logs.count) container\(logs.count == 1 ? "" : "s")"
        if let l = largest, logs.count > 1 { value += ", largest \(l.id.prefix(12)) \(Size.format(l.bytes))" }
        let over = (c.maxTotal > 0 && total > c.maxTotal) || (c.maxPerContainer > 0 && logs.contains { $0.bytes > c.maxPerContainer })
        return CheckView(check: "docker_logs", target: c.containersDir, value: value,
                         warn: c.maxPerContainer > 0 ? "> \(Size.format(c.maxPerContainer)) a container" : "",
                         critical: c.maxTotal > 0 ? "> \(Size.format(c.maxTotal)) in all" : "",
                         state: over ? .warning : .ok,
                         note: over && dryRun ? "over the limits; dry run: nothing pruned" : "")
    }

    /// One journal event a prune step.
    func prune(_ steps: [PruneStep], now: Now) -> [Event] {
        let dir = config.dockerLogs.containersDir
        return steps.map { step in
            let path = "\(dir)/\(step.containerID)/\(step.file)"
            let verb = step.kind == .truncateActive ? "truncate" : "delete"
            let fields: [(String, String)] = [("CHECK", "docker_logs"), ("TARGET", path)]
            if dryRun {
                return Event(.logPruned, "would \(verb) \(path) (\(Size.format(step.bytes)), dry run): \(step.reason)",
                             fields: fields + [("ACTION", "would-" + step.kind.rawValue), ("VALUE", "0")])
            }
            switch LogPruner.apply(step, containersDir: dir) {
            case .success(let freed):
                record(ActionRecord(wall: now.wall, action: "\(verb) log", target: path, outcome: "\(Size.format(freed)) freed"))
                let followers = step.kind == .truncateActive
                    ? "; `docker logs -f` followers must reconnect: they keep reading at the old offset of a file that is now empty" : ""
                return Event(.logPruned, "\(verb == "truncate" ? "truncated" : "deleted") \(path), \(Size.format(freed)) freed: \(step.reason)\(followers)",
                             fields: fields + [("ACTION", step.kind.rawValue), ("VALUE", String(freed))])
            case .failure(let e):
                return Event(.probeFailed, "could not prune \(path): \(e.message)", fields: fields + [("ACTION", step.kind.rawValue)])
            }
        }
    }

    // MARK: journal

    func checkJournal(now: Now, act: Bool, into d: inout Decisions) {
        let j = config.journal
        if let cached = journalView, now.monotonic - journalCheckedAt < j.checkInterval {
            d.checks.append(cached)
            return
        }
        journalCheckedAt = now.monotonic
        guard let used = JournalProbe.usage(root: root) else { journalView = nil; return }
        var after = used
        // Vacuuming cannot remove the active files: when they alone are over
        // max_use, vacuum again only once the journal has grown since.
        let grown = journalAfterVacuum.map { used > $0 + j.maxUse / 10 } ?? true
        if act, j.maxUse > 0, used > j.maxUse, grown {
            let (event, left) = vacuumJournal(to: j.maxUse, because: "its files take \(Size.format(used)), over max_use \(Size.format(j.maxUse))", now: now)
            d.events.append(event)
            after = left ?? used
            journalAfterVacuum = after
        } else if used <= j.maxUse {
            journalAfterVacuum = nil
        }
        let stuck = j.maxUse > 0 && after > j.maxUse
        let view = CheckView(check: "journal", target: "journald", value: Size.format(after),
                             warn: j.maxUse > 0 ? "> \(Size.format(j.maxUse))" : "",
                             state: stuck ? .warning : .ok,
                             note: stuck && journalAfterVacuum != nil ? "the active journal files alone are over max_use: lower SystemMaxFileSize in journald.conf or raise max_use" : "")
        journalView = view
        d.checks.append(view)
    }

    /// `journalctl --rotate`, then `--vacuum-size`; returns the event and the usage after.
    func vacuumJournal(to limit: UInt64, because why: String, now: Now) -> (Event, UInt64?) {
        let before = JournalProbe.usage(root: root) ?? 0
        let fields: [(String, String)] = [("CHECK", "journal"), ("TARGET", "journald"), ("THRESHOLD", String(limit))]
        if dryRun {
            return (Event(.journalVacuumed, "would rotate and vacuum the journal to \(Size.format(limit)) (dry run): \(why)",
                          fields: fields + [("ACTION", "would-vacuum"), ("VALUE", "0")]), before)
        }
        let journalctl = ["/usr/bin/journalctl", "/bin/journalctl"].first { FileIO.exists($0) } ?? "/usr/bin/journalctl"
        let rotate = CommandRunner.run([journalctl, "--rotate"], timeout: 60, whileWaiting: whileWaiting)
        let vacuum = CommandRunner.run([journalctl, "--vacuum-size=\(limit)"], timeout: 120, whileWaiting: whileWaiting)
        let after = JournalProbe.usage(root: root) ?? before
        let freed = before > after ? before - after : 0
        let ok = rotate.succeeded && vacuum.succeeded
        record(ActionRecord(wall: now.wall, action: "vacuum journal", target: "journald", outcome: ok ? "\(Size.format(freed)) freed" : vacuum.detail))
        return (Event(.journalVacuumed, ok ? "vacuumed the journal to \(Size.format(limit)): \(Size.format(freed)) freed, \(Size.format(after)) left (\(why))"
                                           : "vacuuming the journal failed: \(rotate.succeeded ? vacuum.detail : rotate.detail) (\(why))",
                      priority: ok ? nil : .err,
                      fields: fields + [("ACTION", "vacuum"), ("VALUE", String(freed)), ("OUTCOME", ok ? "ok" : vacuum.detail)]), after)
    }

    // MARK: a disk at critical

    static func sameFilesystem(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
    }

    /// Everything nodeguard itself can free on the filesystem of `path`:
    /// every closed Docker log rotation plus logs over their limits, and the
    /// journal vacuumed to half its max_use.
    func reclaimSpace(onFilesystemOf path: String, now: Now) -> (events: [Event], summary: String) {
        var events: [Event] = []
        var parts: [String] = []
        let full = root.path(path)
        let c = config.dockerLogs
        if c.enabled, FileIO.isDirectory(c.containersDir), Guard.sameFilesystem(full, c.containersDir),
           case .success(let logs) = DockerLogsProbe.scan(c.containersDir) {
            let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal, allRotations: true)
            let pruned = prune(steps, now: now)
            events += pruned
            let freed = pruned.compactMap { $0.kind == .logPruned ? UInt64($0.field("VALUE") ?? "") : nil }.reduce(0, +)
            parts.append(dryRun ? "would prune \(steps.count) Docker logs" : "pruned Docker logs: \(Size.format(freed)) freed")
            dockerLogsView = nil
        }
        for dir in JournalProbe.directories where FileIO.isDirectory(root.path(dir)) && Guard.sameFilesystem(full, root.path(dir)) {
            let limit = config.journal.maxUse > 0 ? config.journal.maxUse / 2 : 100 * 1_048_576
            let (e, _) = vacuumJournal(to: limit, because: "\(path) is at critical", now: now)
            events.append(e)
            parts.append(e.message.hasPrefix("vacuumed") ? "vacuumed the journal: \(Size.format(UInt64(e.field("VALUE") ?? "") ?? 0)) freed" : "journal: \(e.message)")
            journalView = nil
            break
        }
        return (events, parts.joined(separator: ", "))
    }
}
