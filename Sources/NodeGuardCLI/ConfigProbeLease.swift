// `config check --probe` of a producer group across hosts: each etcd
// endpoint reached (its version), who holds the lease key now, and the
// password file. The password is read to authenticate, never printed.
import NodeGuardKit

extension ConfigProbe {
    static func leases(_ config: Config, root: HostRoot) -> [ProbeFinding] {
        var out: [ProbeFinding] = []
        for g in config.producers where g.lease.enabled {
            let subject = "producer \(g.account): etcd"
            if let f = g.lease.passwordFile { out.append(path(f, subject: "\(subject) password of \(g.lease.user ?? "")", what: "write the etcd user's password in it (chmod 600)", root: root)) }
            let client = EtcdClient(g.lease)
            var answered = false
            for (endpoint, version) in client.versions() {
                switch version {
                case .success(let v): answered = true; out.append(ProbeFinding(outcome: .found, subject: subject, detail: "\(endpoint) answers: etcd \(v)"))
                case .failure(let f): out.append(ProbeFinding(outcome: .missing, subject: subject, detail: "\(endpoint) does not answer: \(f.message); is etcd running there, and may this host reach it (its firewall, WireGuard, nodeguard's IPAddressAllow=)?"))
                }
            }
            guard answered else { continue }
            let key = g.lease.key(account: g.account)
            switch client.send(.range(key: key)).0.map(EtcdGateway.holder) {
            case .success(.success(let h?)):
                out.append(ProbeFinding(outcome: .found, subject: "producer \(g.account): lease", detail: "\(key) is held by \(h.name) (token \(h.token))" + (h.name == g.lease.hostName ? ", this host" : "")))
            case .success(.success(nil)):
                out.append(ProbeFinding(outcome: .found, subject: "producer \(g.account): lease", detail: "\(key) is held by nobody now"))
            case .success(.failure(let r)), .failure(.refused(let r)):
                out.append(ProbeFinding(outcome: .missing, subject: "producer \(g.account): lease", detail: "etcd refuses to read \(key): \(r.message)" + (r.credentials ? "; check lease_user and lease_password_file" : "")))
            case .failure(let f):
                out.append(ProbeFinding(outcome: .unchecked, subject: "producer \(g.account): lease", detail: "\(key) could not be read: \(f.message)"))
            }
        }
        return out
    }
}
