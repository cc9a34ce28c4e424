// `nodeguard-bench leaserenew N CONFIG`: the CPU of one renewal of a
// producer lease as the holder makes it (the keepalive, its reply parsed,
// then the switch key read), for the first producer group of CONFIG with a
// lease; N renewals back to back on a lease of its own, measured with
// getrusage: etcd's own work is in its process, not in this figure.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

func benchLeaseRenew(times: Int, configPath: String) -> Int32 {
    guard case .success(.file(let config)) = ConfigLoader.load(path: configPath, required: true),
          let group = config.producers.first(where: { $0.lease.enabled }) else {
        print("leaserenew: \(configPath) has no producer group with a lease"); return 2
    }
    let client = EtcdClient(group.lease)
    guard case .success(.success(let granted)) = client.send(.grant(ttl: 10)).0.map(EtcdGateway.granted) else {
        print("leaserenew: etcd at \(group.lease.endpoints) granted no lease"); return 1
    }
    let switchKey = group.lease.key(account: group.account) + "/switch"
    var failures: [String] = []
    func renew() {
        let r = client.send(.keepAlive(lease: granted.lease)).0.map(EtcdGateway.renewed)
        guard case .success(.success(let ttl?)) = r, ttl > 0 else { failures.append("\(r)"); return }
        if case .failure(let f) = client.send(.range(key: switchKey)).0.map(EtcdGateway.holder) { failures.append("\(f)") }
    }
    renew()   // warm-up
    let t0 = cpuMicroseconds()
    for _ in 0..<times { renew() }
    let t1 = cpuMicroseconds()
    _ = client.send(.revoke(lease: granted.lease))
    print("lease_renew_us=\(Double(Int((t1 - t0) / Double(times) * 10)) / 10)")
    print("lease_renew_failures=\(failures.count)\(failures.first.map { " (\($0))" } ?? "")")
    return failures.isEmpty ? 0 : 1
}
