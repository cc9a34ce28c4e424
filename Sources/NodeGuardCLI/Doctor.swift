// `nodeguard doctor`: reads the host and advises, each advice with its reason
// and the fix. The judgements are pure functions of what was read; the
// reading (examine) goes through the probe root like every probe.
import NodeGuardKit
#if canImport(Glibc)
import Glibc
#endif

public struct Advice: Equatable, Sendable {
    public var id: String
    public var problem: String
    public var why: String
    public var fix: String
}

public enum Doctor {
    /// Well-known RPC ports of node software; a P2P port may be public, these should not.
    static let rpcPorts: [Int: String] = [8332: "bitcoind", 18332: "bitcoind testnet", 8545: "geth/erigon HTTP", 8546: "geth WebSocket",
                                          8888: "nodeos", 26657: "Tendermint/Cosmos", 9933: "Substrate", 9944: "Substrate", 1317: "Cosmos REST",
                                          9090: "Cosmos gRPC", 8899: "Solana", 6060: "pprof"]

    // MARK: judgements

    public static func dockerDaemonConfig(_ text: String?) -> Advice? {
        let fix = "add to /etc/docker/daemon.json: {\"log-driver\": \"json-file\", \"log-opts\": {\"max-size\": \"50m\", \"max-file\": \"3\"}} (or \"log-driver\": \"local\"), then `systemctl restart docker` and recreate the containers"
        guard let text else {
            return Advice(id: "docker-log-rotation", problem: "/etc/docker/daemon.json does not exist: Docker's json-file logs grow without limit",
                          why: "the default json-file driver never rotates; a chatty node fills the disk with its own log", fix: fix)
        }
        guard let j = try? JSON.parse(text) else {
            return Advice(id: "docker-daemon-json", problem: "/etc/docker/daemon.json is not valid JSON", why: "dockerd refuses to start with it", fix: "fix its syntax (python3 -m json.tool /etc/docker/daemon.json)")
        }
        let driver = j["log-driver"]?.string ?? "json-file"
        if driver == "local" || driver == "journald" || driver == "none" { return nil }
        if driver == "json-file", j["log-opts"]?["max-size"]?.string == nil {
            return Advice(id: "docker-log-rotation", problem: "/etc/docker/daemon.json sets no log-opts max-size: json-file logs grow without limit",
                          why: "without max-size (and max-file) dockerd never rotates a container's log", fix: fix)
        }
        return nil
    }

    /// A container's hostconfig.json: its log options were fixed when it was
    /// created. `daemonRotates`: daemon.json sets rotation now, so the
    /// container predates it; otherwise rotation was never set.
    public static func containerLogRotation(name: String, hostConfig: JSON, daemonRotates: Bool) -> Advice? {
        let log = hostConfig["LogConfig"]
        guard (log?["Type"]?.string ?? "json-file") == "json-file", log?["Config"]?["max-size"]?.string == nil else { return nil }
        let why = daemonRotates
            ? "it was created before log rotation was set in /etc/docker/daemon.json (log options are fixed when a container is created)"
            : "neither /etc/docker/daemon.json nor the container's own --log-opt sets log rotation"
        return Advice(id: "container-log-rotation:\(name)", problem: "container \(name) keeps unlimited json-file logs",
                      why: why,
                      fix: "recreate it (docker compose up -d --force-recreate \(name), or docker rm and docker run again) after setting log-opts in /etc/docker/daemon.json, or pass --log-opt max-size=50m --log-opt max-file=3")
    }

    public static func journald(_ confs: [String]) -> Advice? {
        for text in confs {
            var section = ""
            for raw in text.split(separator: "\n") {
                let line = String(raw).trimmingBlanks()
                if line.hasPrefix("[") { section = line; continue }
                if section == "[Journal]", line.hasPrefix("SystemMaxUse="), line.count > "SystemMaxUse=".count { return nil }
            }
        }
        return Advice(id: "journald-max-use", problem: "journald has no SystemMaxUse", why: "by default the journal may take 10% of the filesystem (up to 4 GiB)",
                      fix: "create /etc/systemd/journald.conf.d/size.conf holding the two lines \"[Journal]\" and \"SystemMaxUse=200M\", then `systemctl restart systemd-journald`")
    }

    public static func swap(_ mem: HostMemory) -> Advice? {
        guard mem.total < 2_200_000_000, mem.swapTotal == 0 else { return nil }
        return Advice(id: "no-swap", problem: "no swap on a box with \(Size.format(mem.total)) of RAM",
                      why: "without swap a memory spike goes straight to the OOM killer, which may pick the node or sshd",
                      fix: "fallocate -l 1G /swapfile && chmod 600 /swapfile && mkswap /swapfile && swapon /swapfile, and add \"/swapfile none swap sw 0 0\" to /etc/fstab")
    }

    /// `restartAbove`: the node's own restart_above in bytes (its table's, else [memory]'s), 0 when unknown.
    public static func nodeContainer(name: String, hostConfig: JSON, restartAbove: UInt64 = 0) -> [Advice] {
        var out: [Advice] = []
        let limit = UInt64(hostConfig["Memory"]?.number ?? 0)
        // A quarter above restart_above: room for the sustained time, in whole MiB.
        let suggested = restartAbove > 0 ? "\((restartAbove + restartAbove / 4) >> 20)m" : nil
        if limit == 0 {
            let at = suggested.map { " (mem_limit: \($0), a quarter above its restart_above of \(Size.format(restartAbove)))" } ?? ", a little above its restart_above"
            out.append(Advice(id: "node-memory-limit", problem: "the node container \(name) has no memory limit",
                              why: "a leak can take the whole box before nodeguard's restart threshold holds long enough",
                              fix: "set mem_limit (compose) or --memory\(at), and recreate it"))
        } else if restartAbove > 0, limit <= restartAbove {
            out.append(Advice(id: "node-memory-limit-below-restart", problem: "the node container \(name)'s memory limit \(Size.format(limit)) is not above its restart_above \(Size.format(restartAbove))",
                              why: "the kernel kills the container at its limit before nodeguard's restart threshold is ever reached, without a clean restart",
                              fix: "raise mem_limit to \(suggested ?? "a quarter above restart_above") and recreate it, or lower restart_above in its [node.NAME] table"))
        }
        let policy = hostConfig["RestartPolicy"]?["Name"]?.string ?? ""
        if policy.isEmpty || policy == "no" {
            out.append(Advice(id: "node-restart-policy", problem: "the node container \(name) has no restart policy",
                              why: "after a crash or a reboot it stays down",
                              fix: "set restart: unless-stopped (compose) or --restart unless-stopped, and recreate it"))
        }
        if case .object(let bindings)? = hostConfig["PortBindings"] {
            for (port, hosts) in bindings {
                guard let number = Int(port.split(separator: "/").first ?? ""), let what = rpcPorts[number] else { continue }
                for h in hosts.array ?? [] {
                    let ip = h["HostIp"]?.string ?? ""
                    if ip.isEmpty || ip == "0.0.0.0" || ip == "::" {
                        out.append(Advice(id: "rpc-public:\(port)", problem: "the node container \(name) publishes RPC port \(port) (\(what)) on all interfaces",
                                          why: "anyone on the internet can call the node's RPC: drain it, abuse it, or take its keys if unlocked",
                                          fix: "publish it on 127.0.0.1 only (ports: \"127.0.0.1:\(number):\(number)\") and recreate the container"))
                    }
                }
            }
        }
        return out
    }

    // MARK: reading the host

    public static func examine(config: Config, root: HostRoot) -> [Advice] {
        var out: [Advice] = []
        let mem = try? HostMemoryProbe.read(root).get()
        if let mem, let a = swap(mem) { out.append(a) }

        var confs: [String] = []
        if let main = root.read("/etc/systemd/journald.conf") { confs.append(main) }
        for dir in ["/etc/systemd/journald.conf.d", "/usr/lib/systemd/journald.conf.d", "/run/systemd/journald.conf.d"] {
            for f in FileIO.list(root.path(dir)).sorted() where f.hasSuffix(".conf") { if let t = root.read(dir + "/" + f) { confs.append(t) } }
        }
        // Only where journald runs: its directories and journald.conf may be there without it.
        if JournalProbe.running(root: root), let a = journald(confs) { out.append(a) }

        let containers = config.dockerLogs.containersDir
        let dockerHere = FileIO.isDirectory(containers) || FileIO.isDirectory(root.path("/etc/docker"))
        let daemonAdvice = dockerHere ? dockerDaemonConfig(root.read("/etc/docker/daemon.json")) : nil
        if let a = daemonAdvice { out.append(a) }
        for id in FileIO.list(containers).sorted() where DockerLogsProbe.isContainerID(id) {
            guard let hc = FileIO.readText(containers + "/" + id + "/hostconfig.json").flatMap({ try? JSON.parse($0) }) else { continue }
            let name = DockerLogsProbe.containerName(id, in: containers) ?? String(id.prefix(12))
            if let a = containerLogRotation(name: name, hostConfig: hc, daemonRotates: dockerHere && daemonAdvice == nil) { out.append(a) }
            if let node = config.nodes.first(where: { n in n.container.map { $0 == name || id.hasPrefix($0) } == true }) {
                out += nodeContainer(name: name, hostConfig: hc, restartAbove: config.limits(of: node).restartAbove.bytes(of: mem?.total ?? 0))
            }
        }
        return out
    }

    /// What doctor could not look at, each with how to give it access.
    public static func unseen(config: Config, root: HostRoot) -> [String] {
        var out: [String] = []
        if config.nodes.isEmpty {
            out.append("the nodes: no node is configured (no [node.NAME] in the config read); their containers' memory limits, restart policies and RPC ports were not checked. Pass --config with your nodeguard.toml")
        }
        let containers = config.dockerLogs.containersDir
        if FileIO.exists(containers) && !FileIO.readable(containers) {
            out.append("Docker's containers (\(containers): \(FileIO.errorText(errno))): their log rotation, limits and ports were not checked; run as root (sudo nodeguard doctor)")
        } else if !FileIO.exists(containers) && FileIO.isDirectory(root.path("/etc/docker")) {
            out.append("Docker's containers: \(containers) does not exist; if Docker keeps its data elsewhere, pass --docker-socket (doctor asks Docker where) or --config with [docker_logs] containers_dir")
        }
        let daemonJSON = root.path("/etc/docker/daemon.json")
        if FileIO.exists(daemonJSON) && !FileIO.readable(daemonJSON) {
            out.append("/etc/docker/daemon.json cannot be read (\(FileIO.errorText(errno))); run as root")
        }
        return out
    }

    public static func text(_ advice: [Advice], unseen: [String] = []) -> String {
        var s = advice.isEmpty ? (unseen.isEmpty ? "nothing to advise: this host looks well set up for a node\n" : "nothing to advise in what could be read\n") : ""
        for (i, a) in advice.enumerated() {
            s += "\(i + 1). \(a.problem)\n   why: \(a.why)\n   fix: \(a.fix)\n\n"
        }
        if !unseen.isEmpty { s += "not checked:\n" + unseen.map { "  - \($0)\n" }.joined() }
        return s
    }

    public static func json(_ advice: [Advice], unseen: [String] = []) -> JSON {
        .object([("advice", .array(advice.map { .object([("id", .string($0.id)), ("problem", .string($0.problem)), ("why", .string($0.why)), ("fix", .string($0.fix))]) })),
                 ("not_checked", .array(unseen.map { .string($0) }))])
    }
}
