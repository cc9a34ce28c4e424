// `nodeguard-bench rpcprobe N CONFIG`: the CPU of one chain RPC probe (the
// request built, the call sent over loopback, the reply read and parsed) for
// the first node of CONFIG with an `rpc`, N probes back to back measured with
// getrusage: the node's own work is in its process, not in this figure.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

func benchRPCProbe(times: Int, configPath: String) -> Int32 {
    guard case .success(.file(let config)) = ConfigLoader.load(path: configPath, required: true),
          let node = config.nodes.first(where: { $0.liveness.dialect != nil }),
          let settings = LivenessSettings(node.liveness, interval: config.interval) else {
        print("rpcprobe: \(configPath) has no node with an rpc"); return 2
    }
    let rpc = ChainRPC(settings)
    var failures: [String] = []
    func probe() {
        let now = Now.read()
        var reply = rpc.start(monotonic: now.monotonic)
        if reply == nil { reply = rpc.collect(until: now.monotonic + settings.timeout, wall: now.wall) }
        if case .sample = reply {} else { failures.append("\(String(describing: reply))") }
    }
    probe()   // warm-up: the cookie read, the fallback found
    let t0 = cpuMicroseconds()
    for _ in 0..<times { probe() }
    let t1 = cpuMicroseconds()
    print("rpc_probe_us=\(Double(Int((t1 - t0) / Double(times) * 10)) / 10)")
    print("rpc_probe_failures=\(failures.count)\(failures.first.map { " (\($0))" } ?? "")")
    return failures.isEmpty ? 0 : 1
}
