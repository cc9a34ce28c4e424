// Docker's json-file logs: measured every scan_interval, pruned over the
// limits, and pruned harder (every closed rotation) for a disk at critical.
#if canImport(Glibc)
import Glibc
#endif

final class DockerLogsCheck: Reclaiming {
    static let declaration = CheckDeclaration("docker_logs", readings: [logs], counters: [freed]) { [DockerLogsCheck($0.config.dockerLogs)] }

    static let logs = ReadingKind("docker_logs", "the size of Docker's json-file logs, pruned over the limits",
        gauges: [bytes],
        words: { r, v in
            let n = r.figure("containers")?.number.map { Int($0) } ?? 0
            var s = "\(v) in \(counted(n, "container"))"
            if case .word(let id)? = r.figure("largest container"), let l = r.figure("largest") { s += ", largest \(id) \(ReadingText.quantity(l))" }
            return s
        },
        summary: .init { r in r.state == .error ? nil : "docker logs \(ReadingText.quantity(r.value))" },
        samples: { r, out in if case .bytes(let v) = r.value { out.add(bytes, Double(v)) } })
    static let bytes = Gauge("nodeguard_docker_logs_bytes", help: "Docker's json-file logs, active and rotated, all containers.")
    static let freed = FreedCounter("docker_logs", "nodeguard_docker_logs_freed_bytes_total", help: "Bytes nodeguard freed by pruning Docker's json-file logs.")

    private(set) var config: DockerLogsConfig
    let cache = DockerLogsProbe.Cache()
    var scannedAt = -Double.infinity
    /// What the last scan showed, shown again until the next one.
    private(set) var reading: Reading?
    /// The default containers directory did not exist at the last scan.
    var absent = false
    var failures = ProbeFailures()
    /// Routine prunes: the first said, the rest summarised once an hour.
    var digest = PruneDigest()

    var kind: String { Self.declaration.kind }
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
        guard var logs = failures.value(Self.logs, target: c.containersDir, scanned, &cycle) else { reading = nil; return }
        if cycle.mode.decides {
            let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal)
            cycle.events += prune(steps, &cycle, routine: true).compactMap(\.event)
            summaries(&cycle)
            if !steps.isEmpty && cycle.mode != .dryRun, case .success(let again) = DockerLogsProbe.scan(c.containersDir, cache: cache) { logs = again }
        }
        let shown = measured(logs, dryRun: cycle.mode == .dryRun)
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
        return Reading(Self.logs, target: c.containersDir, value: .bytes(total), figures: figures,
                       warn: c.maxPerContainer > 0 ? Threshold(.above, .bytes(c.maxPerContainer), scope: "a container") : nil,
                       critical: c.maxTotal > 0 ? Threshold(.above, .bytes(c.maxTotal), scope: "in all") : nil,
                       state: over ? .warning : .ok,
                       notes: over && dryRun ? ["over the limits; dry run: nothing pruned"] : [])
    }

    /// A prune step carried out (or, in a dry run, described): its event,
    /// nil when the digest folds it into the hourly summary, and the bytes freed.
    func prune(_ steps: [PruneStep], _ cycle: inout Cycle, routine: Bool) -> [(event: Event?, freed: UInt64)] {
        let dir = config.containersDir
        return steps.map { step in
            let path = "\(dir)/\(step.containerID)/\(step.file)"
            let verb = step.kind == .truncateActive ? "truncate" : "delete"
            let fields: [(String, String)] = [("CHECK", "docker_logs"), ("TARGET", path)]
            if cycle.mode == .dryRun {
                let say = !routine || digest.record(step.containerID, freed: 0, now: cycle.now.monotonic)
                return (say ? Event(.logPruned, "would \(verb) \(path) (\(Size.format(step.bytes)), dry run): \(step.reason)",
                                    fields: fields + [("ACTION", "would-" + step.kind.rawValue), ("VALUE", "0")]) : nil, 0)
            }
            switch LogPruner.apply(step, containersDir: dir) {
            case .success(let done):
                cycle.actions.append(ActionRecord(wall: cycle.now.wall, action: "\(verb) log", target: path, outcome: "\(Size.format(done.freed)) freed"))
                cycle.tallies.append(.freed(Self.freed, bytes: done.freed))
                guard !routine || digest.record(step.containerID, freed: done.freed, now: cycle.now.monotonic) else { return (nil, done.freed) }
                return (Event(.logPruned, "\(what(step, done, path)), \(Size.format(done.freed)) freed: \(step.reason)\(followers(step)). \(advice(step.containerID))",
                              fields: fields + [("ACTION", step.kind.rawValue), ("VALUE", String(done.freed))]), done.freed)
            case .failure(let e):
                return (Event(.probeFailed, "could not prune \(path): \(e.message)", fields: fields + [("ACTION", step.kind.rawValue)]), 0)
            }
        }
    }

    /// "deleted PATH", "cut the head of PATH, its last 5 MiB kept", "emptied PATH (why)".
    func what(_ step: PruneStep, _ done: Pruned, _ path: String) -> String {
        guard step.kind == .truncateActive else { return "deleted \(path)" }
        if done.kept > 0 { return "cut the head of \(path), its last \(Size.format(done.kept)) kept" }
        return "emptied \(path)\(done.emptiedBecause.map { " (\($0))" } ?? "")"
    }

    func followers(_ step: PruneStep) -> String {
        step.kind == .truncateActive ? "; `docker logs -f` followers keep their old offset and must reconnect" : ""
    }

    /// "chatty (0123456789ab)", or the short id when the name cannot be read.
    func containerLabel(_ id: String) -> String {
        DockerLogsProbe.containerName(id, in: config.containersDir).map { "\($0) (\(id.prefix(12)))" } ?? String(id.prefix(12))
    }

    func advice(_ id: String) -> String {
        "To stop this for container \(containerLabel(id)), set log-opts max-size and max-file in /etc/docker/daemon.json and recreate it (see `nodeguard doctor`); further prunes are summarised once an hour"
    }

    /// The hourly summaries due: one NOTICE a container that was pruned again.
    func summaries(_ cycle: inout Cycle) {
        for (id, t) in digest.due(now: cycle.now.monotonic) {
            let span = TimeSpan.format(((cycle.now.monotonic - t.saidAt) / 60).rounded() * 60)
            let done = cycle.mode == .dryRun ? "would have been pruned \(t.count) more times in the last \(span) (dry run)"
                : "pruned \(t.count) more times in the last \(span), \(Size.format(t.freed)) freed"
            cycle.events.append(Event(.logPruned,
                "logs of container \(containerLabel(id)) \(done); set log-opts max-size and max-file in /etc/docker/daemon.json and recreate it (see `nodeguard doctor`)",
                fields: [("CHECK", "docker_logs"), ("TARGET", "\(config.containersDir)/\(id)"), ("ACTION", "summary"),
                         ("VALUE", String(t.freed)), ("COUNT", String(t.count))]))
        }
    }

    /// For a disk at critical: every closed rotation and every log over its
    /// limit on that filesystem; what was freed, or nil when the logs are elsewhere.
    func reclaim(onFilesystemOf full: String, disk: String, _ cycle: inout Cycle) -> Reclaimed? {
        let c = config
        guard c.enabled, FileIO.isDirectory(c.containersDir), FileIO.sameFilesystem(full, c.containersDir),
              case .success(let logs) = DockerLogsProbe.scan(c.containersDir) else { return nil }
        let steps = LogPruningPolicy.plan(logs, maxPerContainer: c.maxPerContainer, maxTotal: c.maxTotal, allRotations: true)
        let pruned = prune(steps, &cycle, routine: false)
        cycle.events += pruned.compactMap(\.event)
        reading = nil
        return Reclaimed(what: "Docker logs", freed: pruned.reduce(0) { $0 + $1.freed }, dryRun: cycle.mode == .dryRun)
    }
}
