// nodeguard: the command people run. Reads the daemon's status, runs a
// one-shot check, checks config files; it never changes the host. `notify
// send` is the sender nodeguard-notify.service runs.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit
import NodeGuardCLI
import NodeGuardNotify

func out(_ s: String) { FileIO.writeAll(1, s) }
func fail(_ s: String, code: Int32 = CommandHelp.usageError) -> Never { FileIO.writeAll(2, "nodeguard: " + s + "\n"); exit(code) }

struct Options {
    var json = false
    var configPath: String? = nil
    var statusFile: String? = nil
    var root = "/"
    var defaults = false
    var positional: [String] = []
    var months = 12
    var days = 7
    var probe = false
    var dockerSocket: String? = nil
}

/// The command whose options are parsed: `--help` prints its usage.
nonisolated(unsafe) var helpFor = ""

func parseOptions(_ args: ArraySlice<String>, allowed: Set<String>) -> Options {
    if args.contains("--help") || args.contains("-h"), let help = CommandHelp.named(helpFor) { out(help.text); exit(0) }
    var o = Options()
    var a = args
    while let x = a.popFirst() {
        guard x.hasPrefix("-") else { o.positional.append(x); continue }
        guard allowed.contains(x) else { fail("unknown option `\(x)`; see nodeguard \(helpFor) --help") }
        switch x {
        case "--json": o.json = true
        case "--config": guard let p = a.popFirst() else { fail("--config needs a path") }; o.configPath = p
        case "--status-file": guard let p = a.popFirst() else { fail("--status-file needs a path") }; o.statusFile = p
        case "--defaults": o.defaults = true
        case "--months", "--days":
            guard let v = a.popFirst(), let n = Int(v), n >= 0 else { fail("\(x) needs a number") }
            if x == "--months" { o.months = n } else { o.days = n }
        case "--root": guard let p = a.popFirst() else { fail("--root needs a directory") }; o.root = p
        case "--probe": o.probe = true
        case "--docker-socket": guard let p = a.popFirst() else { fail("--docker-socket needs a path") }; o.dockerSocket = p
        default: break
        }
    }
    return o
}

/// The config for check/status; a broken file is a clear error, not a guess.
func loadConfig(_ o: Options) -> Config {
    if o.defaults { return Config() }
    switch ConfigLoader.load(path: o.configPath ?? Config.defaultPath, required: o.configPath != nil) {
    case .success(.file(let c)), .success(.defaults(let c)): return c
    case .failure(let e):
        for l in e.lines { FileIO.writeAll(2, l + "\n") }
        exit(CommandHelp.invalidConfig)
    }
}

/// The config whose daemon matters (status, notifications): see AcceptedConfig.
func loadConfig(_ o: Options, prefer: AcceptedConfig.Preference) -> Config {
    let (result, note) = AcceptedConfig.load(path: o.configPath ?? Config.defaultPath, required: o.configPath != nil, prefer: prefer)
    switch result {
    case .success(let c):
        if let note { FileIO.writeAll(2, note + "\n") }
        return c
    case .failure(let e):
        for l in e.lines { FileIO.writeAll(2, l + "\n") }
        exit(CommandHelp.invalidConfig)
    }
}

var args = CommandLine.arguments.dropFirst()
guard let command = args.popFirst() else { FileIO.writeAll(2, CommandHelp.overview); exit(CommandHelp.usageError) }
helpFor = command

switch command {
case "check":
    let o = parseOptions(args, allowed: ["--json", "--config", "--defaults", "--root"])
    let config = loadConfig(o)
    let g = Guard(config: config, root: HostRoot(o.root), emit: { _ in })
    if o.root == "/" { g.restoreState(readOnly: true) }   // this month's traffic so far
    let view = g.runCycle(observe: true)
    out(o.json ? view.json().serialized(pretty: true) + "\n" : view.text(now: Now.read().wall, isDaemon: false))
    exit(view.exitCode)

case "status":
    let o = parseOptions(args, allowed: ["--json", "--config", "--status-file"])
    let path = o.statusFile ?? loadConfig(o, prefer: .file).statusFile
    guard let text = FileIO.readText(path) else {
        FileIO.writeAll(2, "nodeguard is not running (no status at \(path): \(FileIO.errorText(errno))); start it with `systemctl start nodeguard`, or pass --status-file\n")
        exit(3)
    }
    guard let json = try? JSON.parse(text), let view = StatusView(json: json) else {
        fail("\(path) is not a nodeguard status file", code: 3)
    }
    let now = Now.read().wall
    let liveness = DaemonLiveness.judge(view, now: now) { kill($0, 0) == 0 || errno == EPERM }
    let notRunning = liveness.sentence(view, now: now)
    if let s = notRunning, !o.json { out(s + "\n\n") }
    // The file leaves out the `nodes` grouping; the view puts it back.
    out(o.json ? view.json().serialized(pretty: true) + "\n" : view.text(now: now, isDaemon: true))
    if let s = notRunning {
        if o.json { FileIO.writeAll(2, s + "\n") }
        exit(3)
    }
    exit(view.exitCode)

case "bandwidth":
    let o = parseOptions(args, allowed: ["--json", "--config", "--months", "--days", "--root"])
    let config = loadConfig(o)
    guard config.bandwidth.enabled else { fail("bandwidth accounting is off ([bandwidth] enabled = false)", code: 1) }
    // The saved counts plus what the counters moved since the daemon's last save.
    let ledger = currentBandwidthLedger(config, root: HostRoot(o.root))
    let names: [String]
    switch NetworkProbe.countedInterfaces(configured: config.bandwidth.interfaces, root: HostRoot(o.root)) {
    case .success(let n): names = n
    case .failure(let e): fail(e.message, code: 1)
    }
    let cal = BillingCalendar(billingDay: config.bandwidth.billingDay)
    let p = BandwidthRules.projection(ledger, calendar: cal, count: config.bandwidth.count, quota: config.bandwidth.quota, now: Now.read().wall)
    if o.json {
        out(BandwidthReport.json(ledger, config: config.bandwidth, interfaces: names, projection: p, calendar: cal, months: o.months, days: o.days).serialized(pretty: true) + "\n")
    } else {
        out(BandwidthReport.text(ledger, config: config.bandwidth, interfaces: names.joined(separator: " "), projection: p, calendar: cal, months: o.months, days: o.days))
    }

case "doctor":
    let o = parseOptions(args, allowed: ["--json", "--config", "--root", "--docker-socket"])
    var config = loadConfig(o)
    var unseen: [String] = []
    if let socket = o.dockerSocket {
        switch DockerEngine(socketPath: socket).dataRoot() {
        case .success(let root): config.dockerLogs.containersDir = root + "/containers"
        case .failure(let e): unseen.append("Docker on \(socket): \(e.message); run as root, or check that dockerd runs")
        }
    }
    let advice = Doctor.examine(config: config, root: HostRoot(o.root))
    unseen += Doctor.unseen(config: config, root: HostRoot(o.root))
    out(o.json ? Doctor.json(advice, unseen: unseen).serialized(pretty: true) + "\n" : Doctor.text(advice, unseen: unseen))
    exit(advice.isEmpty ? 0 : 1)

case "config":
    guard let sub = args.popFirst() else { fail("config needs a subcommand: check, defaults, suggest or man") }
    helpFor = "config " + sub
    switch sub {
    case "check":
        helpFor = "config check"
        let o = parseOptions(args, allowed: ["--probe"])
        let path = o.positional.first ?? Config.defaultPath
        switch ConfigLoader.load(path: path, required: true) {
        case .success(.file(let c)), .success(.defaults(let c)):
            out("\(path): ok: \(c.summary)\n")
            for n in c.notes { out(n.warningLine + "\n") }
            guard o.probe else { exit(0) }
            let found = ConfigProbe.run(c, root: HostRoot("/"))
            for f in found { out(f.line + "\n") }
            exit(found.contains { $0.outcome == .missing } ? 2 : 0)
        case .failure(let e):
            for l in e.lines { out(l + "\n") }
            exit(1)
        }
    case "defaults":
        _ = parseOptions(args, allowed: [])
        out(ReferenceConfig.text())
    case "suggest":
        let o = parseOptions(args, allowed: ["--docker-socket", "--root"])
        let socket = o.dockerSocket ?? NodeConfig().dockerSocket, root = o.root
        let host = HostRoot(root)
        var found = ServicesProbe.units(root: host), docker = NodeSuggestions.DockerSeen.asked(socket: socket)
        switch ServicesProbe.containers(socket: socket, root: host) {
        case .success(let containers): found += containers
        case .failure(let e): docker = .notAsked(socket: socket, why: e.message)
        }
        out(NodeSuggestions.text(found, ram: (try? HostMemoryProbe.read(host).get())?.total ?? 0, docker: docker))
    case "man":
        _ = parseOptions(args, allowed: [])
        out(ReferenceConfig.manPage(date: NodeGuardVersion.date))
    default:
        fail("unknown config subcommand `\(sub)`; use check, defaults, suggest or man")
    }

case "notify":
    guard let sub = args.popFirst() else { fail("notify needs a subcommand: test, queue or send") }
    helpFor = "notify " + sub
    let o = parseOptions(args, allowed: ["--config"])
    // The sender sends with the targets the daemon queued for; test and
    // queue read the file, or the daemon's when the file is not valid.
    let config = loadConfig(o, prefer: sub == "send" ? .running : .file)
    switch sub {
    case "test": exit(NotifyCommand.test(config, name: o.positional.first, print: { out($0 + "\n") }))
    case "queue": exit(NotifyCommand.queue(config, print: { out($0 + "\n") }))
    case "send": exit(NotifyCommand.send(config, log: EventLog()))
    default: fail("unknown notify subcommand `\(sub)`; use test, queue or send")
    }

case "producer":
    let sub = args.first.flatMap { ["switch", "pause", "resume"].contains($0) ? $0 : nil }
    if let sub { args.removeFirst(); helpFor = "producer " + sub } else { helpFor = "producer" }
    let o = parseOptions(args, allowed: sub == nil ? ["--json", "--config", "--status-file"] : ["--config"])
    guard let sub, let command = ProducerRequest.Command(rawValue: sub) else {
        let path = o.statusFile ?? loadConfig(o, prefer: .file).statusFile
        guard let text = FileIO.readText(path), let json = try? JSON.parse(text), let view = StatusView(json: json) else {
            fail("nodeguard is not running (no status at \(path)); start it with `systemctl start nodeguard`, or pass --status-file", code: 3)
        }
        out(o.json ? ProducerCommand.json(view).serialized(pretty: true) + "\n" : ProducerCommand.text(view))
        exit(view.checks.contains { $0.check == "producer" && $0.state == .critical } ? 2 : 0)
    }
    guard let account = o.positional.first, o.positional.count <= (command == .switch ? 2 : 1) else {
        fail("producer \(sub) needs the account\(command == .switch ? " and optionally the member to switch to" : ""); see nodeguard producer \(sub) --help")
    }
    let config = loadConfig(o, prefer: .file)
    // A switch waits for the gap between our turns: at most a round (126 s with 21 producers).
    let (code, said) = ProducerCommand.request(command, account: account, node: o.positional.dropFirst().first, config: config, wait: 200)
    if code == 0 { out(said + "\n") } else { FileIO.writeAll(2, "nodeguard: " + said + "\n") }
    exit(code)

case "catalog":
    _ = parseOptions(args, allowed: [])
    out(Event.catalogText())

case "--version", "version":
    out("nodeguard \(NodeGuardVersion.string)\n")

case "-h", "--help", "help":
    if let c = args.first, let help = CommandHelp.named(c) ?? CommandHelp.named(c + " " + (args.dropFirst().first ?? "")) { out(help.text) } else { out(CommandHelp.overview) }

default:
    fail("unknown command `\(command)`; see nodeguard --help")
}
