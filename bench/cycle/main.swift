// Hot-loop cost of one nodeguard cycle: the daemon's own code (probes, rules,
// status view, status file write) run back to back N times, measured with
// getrusage, the way ../shared/docs/footprint.md measured its CPU table.
// bench/footprint.sh runs it next to the 1 Hz daemon measurement.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

let args = CommandLine.arguments
let n = args.count > 1 ? Int(args[1]) ?? 10000 : 10000
let dir = args.count > 2 ? args[2] : "/dev/shm"
var config = Config()
config.statusFile = dir + "/nodeguard-bench-status.json"
config.stateDirectory = dir + "/nodeguard-bench-state"
if args.count > 3 { config.node.pidfile = args[3]; config.node.restartCommand = ["/bin/true"] }
let g = Guard(config: config, emit: { _ in })

func cpuMicroseconds() -> Double {
    var ru = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &ru)
    return Double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + Double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
}

g.runCycle(); g.writeStatus(pid: getpid())   // warm-up
let t0 = cpuMicroseconds()
for _ in 0..<n {
    g.runCycle()
    g.writeStatus(pid: getpid())
}
let t1 = cpuMicroseconds()
unlink(config.statusFile)
print("hot_cycle_us=\(Double(Int((t1 - t0) / Double(n) * 10)) / 10)")
