// Hot-loop cost of one nodeguard cycle: the daemon's own code (probes, rules,
// status view, status file write) run back to back N times, measured with
// getrusage, the way ../shared/docs/footprint.md measured its CPU table.
// bench/footprint.sh runs it next to the 1 Hz daemon measurement.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

func cpuMicroseconds() -> Double {
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    return Double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + Double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
}

var args = CommandLine.arguments
// `nodeguard-bench logscan DIR N`: the Docker log scan over N container
// directories (an active log and two rotations each), median of 50 scans.
if args.count >= 4 && args[1] == "logscan" {
    let dir = args[2], count = Int(args[3]) ?? 500
    FileIO.makeDirectories(dir)
    for i in 0..<count {
        var id = String(i, radix: 16)
        id = String(repeating: "0", count: 64 - id.count) + id
        FileIO.makeDirectories(dir + "/" + id)
        for suffix in ["", ".1", ".2"] { FileIO.writeAtomically(dir + "/\(id)/\(id)-json.log\(suffix)", "{\"log\":\"x\"}\n", durable: false) }
        FileIO.writeAtomically(dir + "/\(id)/config.v2.json", "{}", durable: false)
        FileIO.writeAtomically(dir + "/\(id)/hostconfig.json", "{}", durable: false)
    }
    var times: [Double] = []
    var found = 0
    let cache = DockerLogsProbe.Cache()   // as the daemon scans: closed rotations known by inode
    for _ in 0..<50 {
        let t0 = Now.read().monotonic
        if case .success(let logs) = DockerLogsProbe.scan(dir, cache: cache) { found = logs.count }
        times.append((Now.read().monotonic - t0) * 1000)
    }
    times.sort()
    print("log_scan_containers=\(found)")
    print("log_scan_ms=\(Double(Int(times[times.count / 2] * 100)) / 100)")
    exit(found == count ? 0 : 1)
}
if args.count >= 4 && args[1] == "rpcprobe" {
    exit(benchRPCProbe(times: Int(args[2]) ?? 200, configPath: args[3]))
}
if args.count >= 4 && args[1] == "leaserenew" {
    exit(benchLeaseRenew(times: Int(args[2]) ?? 200, configPath: args[3]))
}
if args.count >= 2 && args[1] == "configparse" {
    exit(benchConfigParse(times: args.count > 2 ? Int(args[2]) ?? 20 : 20))
}
let n = args.count > 1 ? Int(args[1]) ?? 10000 : 10000
let dir = args.count > 2 ? args[2] : "/dev/shm"
var config = Config()
// A .toml third argument: the cycle of that config (footprint.sh's three nodes).
if args.count > 3, args[3].hasSuffix(".toml") {
    guard case .success(.file(let c)) = ConfigLoader.load(path: args[3], required: true) else { print("cannot load \(args[3])"); exit(2) }
    config = c
    // A lease here would make this loop another host of the group, a standby
    // that pauses the daemon's producing member; the holder's renewal is
    // measured on its own (leaserenew), so the group is kept to this host.
    for i in config.producers.indices { config.producers[i].lease.endpoints = [] }
}
config.statusFile = dir + "/nodeguard-bench-status.json"
config.stateDirectory = dir + "/nodeguard-bench-state"
if args.count > 3, !args[3].hasSuffix(".toml") {
    var node = NodeConfig(name: "bench")
    node.pidfile = args[3]
    node.restartCommand = ["/bin/true"]
    config.nodes = [node]
}
if !config.metrics.textfile.isEmpty { config.metrics.textfile = dir + "/nodeguard-bench.prom" }
let g = Guard(config: config, emit: { _ in })
g.sinks.append(StatusFileSink(path: config.statusFile, pid: getpid(), emit: { _ in }))
g.sinks.append(MetricsSink(config: config, emit: { _ in }))

g.runCycle()   // warm-up
let t0 = cpuMicroseconds()
for _ in 0..<n { g.runCycle() }
let t1 = cpuMicroseconds()
unlink(config.statusFile)
if !config.metrics.textfile.isEmpty { unlink(config.metrics.textfile) }
print("hot_cycle_us=\(Double(Int((t1 - t0) / Double(n) * 10)) / 10)")
