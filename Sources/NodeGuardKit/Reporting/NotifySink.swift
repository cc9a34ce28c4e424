// Notifications as a sink: each [[notify]] target's policy decides what it is
// told; what is due goes to the outbox on disk, which the sender
// (nodeguard-notify.service) delivers. The daemon itself never reaches the
// network. The heartbeat is queued the same way, after completed cycles only.
#if canImport(Glibc)
import Glibc
#endif

public final class NotifySink: Sink {
    var policies: [NotifyPolicy] = []
    var outbox: Outbox
    var heartbeat: HeartbeatConfig
    var stateDirectory: String
    let host: String
    let emit: (Event) -> Void
    var lastHeartbeat = -Double.infinity
    var wasCritical = false
    /// Something may still wait in the outbox: look now and then whether the sender needs a kick.
    var outstanding = true
    var lastLook = -Double.infinity
    var problemLogged = false

    public init(config: Config, emit: @escaping (Event) -> Void) {
        self.emit = emit
        host = Self.hostName()
        outbox = Outbox(stateDirectory: config.stateDirectory)
        heartbeat = config.heartbeat
        stateDirectory = config.stateDirectory
        start(config)
    }

    /// Only when there is something to tell or ping: a daemon without
    /// [[notify]] or [heartbeat] pays nothing.
    public static func wanted(_ c: Config) -> Bool { !c.notify.isEmpty || c.heartbeat.enabled }

    func start(_ config: Config) {
        check(outbox.prepare(), doing: "create \(outbox.directory)")
        FileIO.makeDirectories(stateDirectory + "/notify", mode: 0o700)
        _ = outbox.queueLeftOpen()
        policies = config.notify.map { NotifyPolicy($0, open: ProblemStore.load(problemsPath($0.name))) }
    }

    public func update(_ config: Config) {
        let old = policies
        heartbeat = config.heartbeat
        if config.stateDirectory != stateDirectory {
            stateDirectory = config.stateDirectory
            outbox = Outbox(stateDirectory: stateDirectory)
            start(config)
            return
        }
        policies = config.notify.map { t in
            // A target kept by name keeps what it was told and what waits for it.
            old.first { $0.target.name == t.name }?.reconfigured(t) ?? NotifyPolicy(t)
        }
        for p in old where !policies.contains(where: { $0.target.name == p.target.name }) {
            outbox.dropOpen(p.target.name)
            unlink(problemsPath(p.target.name))
        }
    }

    /// Events decided outside a cycle (a reload rejected, state that cannot
    /// be saved): told as a cycle's are, in the batch that is open.
    public func say(_ events: [Event], now: Double) {
        for i in policies.indices { step(i, events, now: now) }
    }

    public func publish(_ report: CycleReport) {
        let now = report.now.wall
        for i in policies.indices { step(i, report.events, now: now) }
        beat(report, now: now)
        lookAtOutbox(now: now)
    }

    func step(_ i: Int, _ events: [Event], now: Double) {
        let name = policies[i].target.name
        let pendingBefore = policies[i].pending.count, openBefore = policies[i].open
        let due = policies[i].step(events, now: now)
        for items in due {
            check(outbox.enqueue(OutboxMessage(target: name, host: host, created: now, items: items)), doing: "queue a message to \(name)")
            // The new file starts the sender; look again a little later.
            outstanding = true
            lastLook = now
        }
        let pending = policies[i].pending
        if pending.isEmpty {
            if pendingBefore > 0 { outbox.dropOpen(name) }
        } else if pending.count != pendingBefore || !due.isEmpty {
            check(outbox.keepOpen(OutboxMessage(target: name, host: host, created: policies[i].windowStart ?? now, items: pending)),
                  doing: "keep a batch for \(name)")
        }
        if policies[i].open != openBefore {
            check(ProblemStore.save(policies[i].open, to: problemsPath(name)), doing: "save what \(name) was told")
        }
    }

    /// After a completed cycle: ping when `every` has passed, and at once
    /// (to the failure URL) when a check turns critical.
    func beat(_ report: CycleReport, now: Double) {
        guard heartbeat.enabled else { return }
        let critical = report.view.worst == .critical
        let turnedCritical = critical && !wasCritical && heartbeat.failURL != nil
        wasCritical = critical
        guard now - lastHeartbeat >= heartbeat.every || turnedCritical else { return }
        lastHeartbeat = now
        check(outbox.heartbeat(now: now, failing: critical && heartbeat.failURL != nil, every: heartbeat.every), doing: "queue the heartbeat")
    }

    /// A retry the sender scheduled (it writes notify/next) is started from
    /// here: systemd starts the sender only when the outbox changes.
    func lookAtOutbox(now: Double) {
        guard outstanding, now - lastLook >= 15 else { return }
        lastLook = now
        guard !outbox.queued().isEmpty else { outstanding = false; return }
        let next = Outbox.nextTry(stateDirectory: stateDirectory)
        if next.map({ $0 <= now }) ?? true { _ = outbox.kick(now: now) }
    }

    func problemsPath(_ target: String) -> String { stateDirectory + "/notify/" + target + ".problems" }

    /// A failure to queue is said once; it ends silently.
    func check(_ rc: Int32, doing what: String) {
        if rc != 0 && !problemLogged {
            problemLogged = true
            emit(Event(.probeFailed, "cannot \(what): \(FileIO.errorText(rc)); notifications are not sent. Check state_directory",
                       fields: [("CHECK", EventNames.notify.name), ("TARGET", outbox.directory)]))
        } else if rc == 0 {
            problemLogged = false
        }
    }

    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(nulTerminated: buf)
    }
}

/// The problems a target was told of, kept so that a restart of nodeguard
/// neither repeats them nor loses their recovery.
enum ProblemStore {
    static func save(_ open: [OpenProblem], to path: String) -> Int32 {
        if open.isEmpty { unlink(path); return 0 }
        let list = JSON.array(open.map { p in
            .object([("key", .string(p.key)), ("since", .number(p.since)), ("said", .number(p.lastSaid)),
                     ("restarts", .number(Double(p.restarts))), ("event", OutboxMessage.itemJSON(NotifyItem(.event, p.event, time: p.since)))])
        })
        return FileIO.writeAtomically(path, list.serialized() + "\n", durable: true, mode: 0o600)
    }

    static func load(_ path: String) -> [OpenProblem] {
        guard let text = FileIO.readText(path), let list = (try? JSON.parse(text))?.array else { return [] }
        return list.compactMap { j in
            guard let key = j["key"]?.string, let since = j["since"]?.number, let said = j["said"]?.number,
                  let event = j["event"].flatMap(OutboxMessage.parseItem)?.event else { return nil }
            return OpenProblem(key: key, event: event, since: since, lastSaid: said, restarts: Int(j["restarts"]?.number ?? 0))
        }
    }
}
