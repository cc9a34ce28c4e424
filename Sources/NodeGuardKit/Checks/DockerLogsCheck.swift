// Docker's json-file logs: measured every scan_interval, pruned over the
// limits, and pruned harder (every closed rotation) for a disk at critical.
#if canImport(Glibc)
import Glibc
#endif

final class DockerLogsCheck: Check {
    private(set) var config: DockerLogsConfig
    let cache = DockerLogsProbe.Cache()
    var scannedAt = -Double.infinity
    /// What the last scan showed, shown again until the next one.
    private(set) var view: CheckView?
    private(set) var total: UInt64 = 0
    /// The default containers directory did not exist at the last scan.
    var absent = false
    var failures = ProbeFailures()

    init(_ config: DockerLogsConfig) { self.config = config }

    /// New limits or directory: measured at the next cycle, not after scan_interval.
    func update(_ new: DockerLogsConfig) {
        guard new != config else { return }
        config = new
        scannedAt = -Double.infinity; view = nil; absent = false
    }

    func run(_ cycle: inout Cycle) {
        let c = config
        guard c.enabled else { return }
        if cycle.now.monotonic - scannedAt < c.scanInterval {
            if let cached = view { cycle.checks.append(cached); return }
            if absent { return }   // looked for Docker less than scan_interval ago
        }
        scannedAt = cycle.now.monotonic
        absent = false
        let scanned = DockerLogsProbe.scan(c.containersDir, cache: cache)
        if case .failure = scanned, c.containersDir == DockerLogsConfig().containersDir, !FileIO.exists(c.containersDir) {
            view = nil   // no Docker on this host (yet): look again after scan_interval
            absent = true
            return
        }
        guard var logs = failures.value("docker_logs", target: c.containersDir, scanned, events: &cycle.events, checks: &cycle.checks) else { view = nil; return }
        if cycle.act {
            let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal)
            cycle.events += prune(steps, &cycle)
            if !steps.isEmpty && !cycle.dryRun, case .success(let again) = DockerLogsProbe.scan(c.containersDir, cache: cache) { logs = again }
        }
        let shown = checkView(logs, dryRun: cycle.dryRun)
        view = shown
        total = logs.reduce(0) { $0 + $1.bytes }
        cycle.checks.append(shown)
    }

    func checkView(_ logs: [ContainerLogs], dryRun: Bool) -> CheckView {
        let c = config
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
    func prune(_ steps: [PruneStep], _ cycle: inout Cycle) -> [Event] {
        let dir = config.containersDir
        return steps.map { step in
            let path = "\(dir)/\(step.containerID)/\(step.file)"
            let verb = step.kind == .truncateActive ? "truncate" : "delete"
            let fields: [(String, String)] = [("CHECK", "docker_logs"), ("TARGET", path)]
            if cycle.dryRun {
                return Event(.logPruned, "would \(verb) \(path) (\(Size.format(step.bytes)), dry run): \(step.reason)",
                             fields: fields + [("ACTION", "would-" + step.kind.rawValue), ("VALUE", "0")])
            }
            switch LogPruner.apply(step, containersDir: dir) {
            case .success(let freed):
                cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "\(verb) log", target: path, outcome: "\(Size.format(freed)) freed"))
                let followers = step.kind == .truncateActive
                    ? "; `docker logs -f` followers must reconnect: they keep reading at the old offset of a file that is now empty" : ""
                return Event(.logPruned, "\(verb == "truncate" ? "truncated" : "deleted") \(path), \(Size.format(freed)) freed: \(step.reason)\(followers)",
                             fields: fields + [("ACTION", step.kind.rawValue), ("VALUE", String(freed))])
            case .failure(let e):
                return Event(.probeFailed, "could not prune \(path): \(e.message)", fields: fields + [("ACTION", step.kind.rawValue)])
            }
        }
    }

    /// For a disk at critical: every closed rotation and every log over its
    /// limit on that filesystem; what was freed, or nil when the logs are elsewhere.
    func reclaim(onFilesystemOf full: String, _ cycle: inout Cycle) -> String? {
        let c = config
        guard c.enabled, FileIO.isDirectory(c.containersDir), FileIO.sameFilesystem(full, c.containersDir),
              case .success(let logs) = DockerLogsProbe.scan(c.containersDir) else { return nil }
        let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal, allRotations: true)
        let pruned = prune(steps, &cycle)
        cycle.events += pruned
        view = nil
        let freed = pruned.compactMap { $0.kind == .logPruned ? UInt64($0.field("VALUE") ?? "") : nil }.reduce(0, +)
        return cycle.dryRun ? "would prune \(steps.count) Docker logs" : "pruned Docker logs: \(Size.format(freed)) freed"
    }
}
