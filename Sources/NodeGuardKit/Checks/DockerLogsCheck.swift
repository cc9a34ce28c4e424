// Docker's json-file logs: measured every scan_interval, pruned over the
// limits, and pruned harder (every closed rotation) for a disk at critical.
#if canImport(Glibc)
import Glibc
#endif

final class DockerLogsCheck: Reclaiming {
    private(set) var config: DockerLogsConfig
    let cache = DockerLogsProbe.Cache()
    var scannedAt = -Double.infinity
    /// What the last scan showed, shown again until the next one.
    private(set) var reading: Reading?
    /// The default containers directory did not exist at the last scan.
    var absent = false
    var failures = ProbeFailures()

    var kind: String { "docker_logs" }
    var target: String { config.containersDir }

    init(_ config: DockerLogsConfig) { self.config = config }

    /// New limits or directory: measured at the next cycle, not after scan_interval.
    func update(_ new: Config) {
        guard new.dockerLogs != config else { return }
        config = new.dockerLogs
        scannedAt = -Double.infinity; reading = nil; absent = false
    }

    func run(_ cycle: inout Cycle) {
        let c = config
        guard c.enabled else { return }
        if cycle.now.monotonic - scannedAt < c.scanInterval {
            if let cached = reading { cycle.readings.append(cached); return }
            if absent { return }   // looked for Docker less than scan_interval ago
        }
        scannedAt = cycle.now.monotonic
        absent = false
        let scanned = DockerLogsProbe.scan(c.containersDir, cache: cache)
        if case .failure = scanned, c.containersDir == DockerLogsConfig().containersDir, !FileIO.exists(c.containersDir) {
            reading = nil   // no Docker on this host (yet): look again after scan_interval
            absent = true
            return
        }
        guard var logs = failures.value("docker_logs", target: c.containersDir, scanned, &cycle) else { reading = nil; return }
        if cycle.act {
            let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal)
            cycle.events += prune(steps, &cycle).map(\.event)
            if !steps.isEmpty && !cycle.dryRun, case .success(let again) = DockerLogsProbe.scan(c.containersDir, cache: cache) { logs = again }
        }
        let shown = measured(logs, dryRun: cycle.dryRun)
        reading = shown
        cycle.readings.append(shown)
    }

    func measured(_ logs: [ContainerLogs], dryRun: Bool) -> Reading {
        let c = config
        let total = logs.reduce(0) { $0 + $1.bytes }
        var figures = [Figure("containers", .count(logs.count))]
        if let l = logs.max(by: { $0.bytes < $1.bytes }), logs.count > 1 {
            figures += [Figure("largest", .bytes(l.bytes)), Figure("largest container", .word(String(l.id.prefix(12))))]
        }
        let over = (c.maxTotal > 0 && total > c.maxTotal) || (c.maxPerContainer > 0 && logs.contains { $0.bytes > c.maxPerContainer })
        return Reading("docker_logs", target: c.containersDir, value: .bytes(total), figures: figures,
                       warn: c.maxPerContainer > 0 ? Threshold(.above, .bytes(c.maxPerContainer), scope: "a container") : nil,
                       critical: c.maxTotal > 0 ? Threshold(.above, .bytes(c.maxTotal), scope: "in all") : nil,
                       state: over ? .warning : .ok,
                       notes: over && dryRun ? ["over the limits; dry run: nothing pruned"] : [])
    }

    /// One journal event a prune step, and the bytes it freed.
    func prune(_ steps: [PruneStep], _ cycle: inout Cycle) -> [(event: Event, freed: UInt64)] {
        let dir = config.containersDir
        return steps.map { step in
            let path = "\(dir)/\(step.containerID)/\(step.file)"
            let verb = step.kind == .truncateActive ? "truncate" : "delete"
            let fields: [(String, String)] = [("CHECK", "docker_logs"), ("TARGET", path)]
            if cycle.dryRun {
                return (Event(.logPruned, "would \(verb) \(path) (\(Size.format(step.bytes)), dry run): \(step.reason)",
                              fields: fields + [("ACTION", "would-" + step.kind.rawValue), ("VALUE", "0")]), 0)
            }
            switch LogPruner.apply(step, containersDir: dir) {
            case .success(let freed):
                cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "\(verb) log", target: path, outcome: "\(Size.format(freed)) freed"))
                let followers = step.kind == .truncateActive
                    ? "; `docker logs -f` followers must reconnect: they keep reading at the old offset of a file that is now empty" : ""
                return (Event(.logPruned, "\(verb == "truncate" ? "truncated" : "deleted") \(path), \(Size.format(freed)) freed: \(step.reason)\(followers)",
                              fields: fields + [("ACTION", step.kind.rawValue), ("VALUE", String(freed))]), freed)
            case .failure(let e):
                return (Event(.probeFailed, "could not prune \(path): \(e.message)", fields: fields + [("ACTION", step.kind.rawValue)]), 0)
            }
        }
    }

    /// For a disk at critical: every closed rotation and every log over its
    /// limit on that filesystem; what was freed, or nil when the logs are elsewhere.
    func reclaim(onFilesystemOf full: String, disk: String, _ cycle: inout Cycle) -> Reclaimed? {
        let c = config
        guard c.enabled, FileIO.isDirectory(c.containersDir), FileIO.sameFilesystem(full, c.containersDir),
              case .success(let logs) = DockerLogsProbe.scan(c.containersDir) else { return nil }
        let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal, allRotations: true)
        let pruned = prune(steps, &cycle)
        cycle.events += pruned.map(\.event)
        reading = nil
        return Reclaimed(what: "Docker logs", freed: pruned.reduce(0) { $0 + $1.freed }, dryRun: cycle.dryRun)
    }
}
