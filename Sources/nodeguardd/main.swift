// nodeguardd: the daemon systemd runs (Type=notify, WatchdogSec).
//
// One thread, no async runtime: the check loop sleeps in sigtimedwait, so
// signals (SIGHUP reload, SIGTERM stop) and the watchdog pings are handled
// by the same loop that does the work. A check that hangs stops the pings
// and systemd kills and restarts nodeguard, which is the point. Only a
// node's restart runs on a thread of its own (RestartJob), so a slow
// restart_command never blinds the loop.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

let usage = """
usage: nodeguardd [--config PATH] [--dry-run]

The nodeguard daemon, normally started by systemd (nodeguard.service).
  --config PATH   config file (default \(Config.defaultPath); without it the embedded defaults apply)
  --dry-run       decide and log everything, change nothing
  --version       print the version

"""

func fail(_ lines: [String], code: Int32 = 1) -> Never {
    for l in lines { FileIO.writeAll(2, l + "\n") }
    exit(code)
}

var configPath = Config.defaultPath
var configGiven = false
var dryRun = false
var rootDir = "/"
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--config":
        guard let p = args.popFirst() else { fail(["nodeguardd: --config needs a path"], code: EX_USAGE) }
        configPath = p; configGiven = true
    case "--dry-run": dryRun = true
    case "--root":  // probes read /proc and /sys under this directory (tests, benchmarks)
        guard let p = args.popFirst() else { fail(["nodeguardd: --root needs a directory"], code: EX_USAGE) }
        rootDir = p
    case "--version": FileIO.writeAll(1, "nodeguardd \(NodeGuardVersion.string)\n"); exit(0)
    case "-h", "--help": FileIO.writeAll(1, usage); exit(0)
    default: fail(["nodeguardd: unknown option `\(a)`; see nodeguardd --help"], code: EX_USAGE)
    }
}

// Block the signals we wait for, first of all (a SIGHUP during start-up
// is a reload waiting, not the end); sigtimedwait takes them synchronously.
var waited = sigset_t()
sigemptyset(&waited)
for s in [SIGHUP, SIGTERM, SIGINT] { sigaddset(&waited, s) }
sigprocmask(SIG_BLOCK, &waited, nil)
signal(SIGPIPE, SIG_IGN)

let log = EventLog()
var usingDefaults = false
let config: Config
var acceptedText: [UInt8]?
switch ConfigLoader.loadKeepingText(path: configPath, required: configGiven) {
case .success((.file(let c), let text)): config = c; acceptedText = text
case .success((.defaults(let c), _)): config = c; usingDefaults = true
case .failure(let errors):
    // 78 is EX_CONFIG; the unit's RestartPreventExitStatus=78 keeps systemd
    // from restarting into the same error, so `systemctl status` shows it.
    fail(errors.lines + ["nodeguardd: not starting: fix \(configPath) (check it with `nodeguard config check`)"], code: 78)
}

// [[notify]] and [heartbeat]: queued in the outbox for nodeguard-notify.service.
var notifySink: NotifySink?
/// What is said outside a cycle (a reload, state that cannot be saved, a
/// sink's trouble): logged, and told to the targets as a cycle's events are.
@MainActor func say(_ event: Event) {
    var e = event
    let now = Now.read().wall
    if e.time == nil { e.time = now }
    log.send(e)
    notifySink?.say([e], now: now)
}

/// The sender delivers with the configuration the daemon accepted, not
/// with whatever an edit left in the file.
@MainActor func keepAccepted(_ c: Config, replacing old: String? = nil) {
    if let old, old != c.stateDirectory { _ = AcceptedConfig.save(nil, from: configPath, stateDirectory: old) }
    let rc = AcceptedConfig.save(acceptedText, from: configPath, stateDirectory: c.stateDirectory)
    if rc != 0 {
        say(Event(.probeFailed, "cannot keep the accepted configuration in \(AcceptedConfig.path(stateDirectory: c.stateDirectory)): \(FileIO.errorText(rc)); "
                  + "nodeguard-notify.service reads \(configPath) instead. Check state_directory", fields: [("CHECK", EventNames.config.name), ("TARGET", c.stateDirectory)]))
    }
    acceptedText = nil   // kept on disk, not in memory
}

let guardian = Guard(config: config, root: HostRoot(rootDir), forceDryRun: dryRun, emit: { say($0) })
// A cycle's events reach the notification targets through NotifySink's own
// publish: its journal sink only logs them, or each would be told twice.
guardian.sinks = [EventSink(log.send)]
let myPid = getpid()
let statusSink = StatusFileSink(path: config.statusFile, pid: myPid, emit: { say($0) })
guardian.sinks.append(statusSink)
// [metrics] textfile, and the restart and freed-bytes counters it shows.
guardian.sinks.append(MetricsSink(config: config, emit: { say($0) }))
@MainActor func addNotifySinkIfWanted(_ c: Config) {
    guard notifySink == nil, NotifySink.wanted(c) else { return }
    let sink = NotifySink(config: c, emit: log.send)
    notifySink = sink
    guardian.sinks.append(sink)
}
addNotifySinkIfWanted(config)
// The status's texts are made again at most every 5 s while no check changes
// state and nothing is said (every cycle then, and always at once on a change).
guardian.wordsEvery = 5
let watchdog = SystemdNotify.watchdogInterval()
// At least twice per WatchdogSec, even when the check interval is longer.
let pingEvery = watchdog.map { $0 / 3 }
var lastPing = Now.read().monotonic
var cycleCount = 0

@MainActor func ping() {
    guard watchdog != nil else { return }
    SystemdNotify.send("WATCHDOG=1")
    lastPing = Now.read().monotonic
}
guardian.whileWaiting = {
    if let every = pingEvery, Now.read().monotonic - lastPing >= every { ping() }
}

/// The thread's CPU clock at the end of the last cycle: the next cycle's
/// cost is measured from there, so it includes waking up for it (the loop
/// spends no CPU in between but watchdog pings), with one clock read a cycle
/// instead of two. Start-up, reloads and the working-set trims restart it.
var cpuAtLastCycle = threadCPUMicroseconds()
/// When the working set was last trimmed after a quiet spell (monotonic).
var lastTrim = -Double.infinity

@MainActor func cycle() {
    let view = guardian.runCycle()   // the sinks log its events and write the status file
    // The ping comes after a completed cycle, never from a timer.
    SystemdNotify.send((watchdog != nil ? "WATCHDOG=1\n" : "") + "STATUS=" + view.summary)
    lastPing = Now.read().monotonic
    // The daemon's own CPU per cycle, shown by `nodeguard status` from the
    // next write on; the first cycle (start-up, cold caches) is left out.
    let cpu = threadCPUMicroseconds()
    if cycleCount > 0 { guardian.recordCycleCPU(cpu - cpuAtLastCycle) }
    cpuAtLastCycle = cpu
    cycleCount += 1
    // The first cycles still run one-time paths (first scans, first Docker
    // inspect, baselines): hand those pages back once more when they are over,
    // and once more when the checks with a cadence of their own (bandwidth
    // reads its counters every 10 s) have run their first ordinary round.
    // And after a burst of events or actions (a restart, a producer handover,
    // a lease taken and the first turn waited for), once 20 cycles in a row
    // were quiet, at most every 10 minutes: those paths' pages go back too.
    // (The clock is read only then, not every cycle.)
    let quietSpell = cycleCount > 25 && guardian.quietCycles == 20
    if cycleCount == 5 || cycleCount == 25 || (quietSpell && Now.read().monotonic - lastTrim >= 600) {
        WorkingSet.trim()
        lastTrim = Now.read().monotonic
        cpuAtLastCycle = threadCPUMicroseconds()
    }
}

/// What a valid config should not be left as (config check's warnings), once per load.
@MainActor func logNotes(_ c: Config) {
    for n in c.notes { say(Event(.configWarning, n.description, fields: [("TARGET", configPath)])) }
}

@MainActor func reload() {
    SystemdNotify.send("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotify.monotonicMicroseconds())")
    switch ConfigLoader.loadKeepingText(path: configPath, required: configGiven || !usingDefaults) {
    case .failure(let errors):
        guardian.reloadRejected(path: configPath, errors: errors.problems.count)
        say(Event(.reloadRejected,
                       "new configuration rejected, the previous one stays in force: " + errors.lines.joined(separator: "; "),
                       fields: [("ACTION", "reload"), ("TARGET", configPath), ("ERRORS", errors.lines.joined(separator: "\n"))]))
    case .success(let (loaded, text)):
        let new: Config
        switch loaded {
        case .file(let c): new = c; usingDefaults = false
        case .defaults(let c): new = c; usingDefaults = true
        }
        let oldStateDirectory = guardian.config.stateDirectory
        let changes = guardian.apply(new)
        acceptedText = text
        keepAccepted(new, replacing: oldStateDirectory)
        addNotifySinkIfWanted(new)
        let what = changes.isEmpty ? "nothing changed" : changes.joined(separator: ", ")
        say(Event(.reloaded, "configuration reloaded from \(usingDefaults ? "embedded defaults" : configPath): \(what)",
                       fields: [("ACTION", "reload"), ("TARGET", configPath), ("CHANGES", changes.joined(separator: "\n"))]))
        logNotes(new)
    }
    SystemdNotify.send("READY=1\nSTATUS=" + guardian.view.summary)
    WorkingSet.trim()
    cpuAtLastCycle = threadCPUMicroseconds()   // a reload is not a cycle's cost
}

// "started" is the first line: what the first cycle says comes after it.
say(Event(.started, "nodeguard \(NodeGuardVersion.string) started: \(guardian.config.summary)", fields: [("TARGET", configPath)]))
if usingDefaults {
    say(Event(.defaults, "no config file at \(configPath): running on the embedded defaults (\(config.summary))",
              fields: [("TARGET", configPath)]))
}
keepAccepted(config)
logNotes(guardian.config)
guardian.restoreState()
cycle()
SystemdNotify.send("READY=1\nSTATUS=" + guardian.view.summary)
WorkingSet.trim()
cpuAtLastCycle = threadCPUMicroseconds()

// Every interval, or every producer_every while there is a producer group:
// the guard then runs the other checks on their interval only.
var nextCycle = Now.read().monotonic + guardian.wakeEvery
while true {
    var now = Now.read().monotonic
    if now >= nextCycle {
        cycle()
        nextCycle += guardian.wakeEvery
        now = Now.read().monotonic
        if nextCycle <= now { nextCycle = now + guardian.wakeEvery } // a slow cycle: do not run back to back
        continue
    }
    var wait = nextCycle - now
    if let every = pingEvery { wait = min(wait, max(0.001, lastPing + every - now)) }
    var ts = timespec(tv_sec: Int(wait), tv_nsec: Int((wait - Double(Int(wait))) * 1e9))
    let sig = sigtimedwait(&waited, nil, &ts)
    switch sig {
    case SIGTERM, SIGINT:
        SystemdNotify.send("STOPPING=1")
        guardian.saveState()
        statusSink.markStopped(at: Now.read().wall)
        say(Event(.stopping, "nodeguard stopping on \(sig == SIGTERM ? "SIGTERM" : "SIGINT"); state saved", fields: [("TARGET", guardian.config.stateDirectory)]))
        exit(0)
    case SIGHUP:
        let oldWake = guardian.wakeEvery
        reload()
        if guardian.wakeEvery != oldWake { nextCycle = Now.read().monotonic + guardian.wakeEvery }
    default:
        break // timeout or EINTR
    }
    if let every = pingEvery, Now.read().monotonic - lastPing >= every { ping() }
}
