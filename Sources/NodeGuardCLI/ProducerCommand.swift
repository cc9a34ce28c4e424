// `nodeguard producer`: the producer groups as the daemon sees them, and the
// operator's switch. The daemon stays the one that decides: a request goes
// to it through state_directory/producer/requests/ (root only), and this
// command waits for its answer.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

public enum ProducerCommand {
    /// Each group's reading from the daemon's status: who produces, each member.
    public static func text(_ view: StatusView) -> String {
        let groups = view.checks.filter { $0.check == "producer" }
        guard !groups.isEmpty else { return "no producer group is configured ([producer.ACCOUNT] in nodeguard.toml(5))\n" }
        var out = ""
        for g in groups {
            let standingBy: Bool = { if case .number(0)? = g.figures?["lease_holder"] { return g.state != .critical }; return false }()
            let who = g.value != "none" ? "\(g.value) produces" : standingBy ? "standing by: no member produces on this host" : "NO MEMBER PRODUCES"
            out += "\(g.target): \(who) (\(g.state.rawValue))\n"
            // The members' words, one a note ("a: producing, head 1234 (0.4s behind)").
            for part in g.note.split(separator: "; ") where !part.isEmpty { out += "  \(part)\n" }
            if let f = g.figures {
                if case .number(let t)? = f["next_turn"] { out += "  our next turn: \(TimeFormat.local(t))\n" }
                if case .number(let t)? = f["last_block_of_ours"] { out += "  last block of ours seen: \(TimeFormat.local(t))\n" }
                if case .number(let t)? = f["lease_token"] { out += "  fencing token: \(Int(t))\n" }
                if case .number(let n)? = f["blocks_missed_last_hour"] { out += "  blocks of ours missed in the last hour: \(Int(n))\n" }
            }
        }
        return out
    }

    public static func json(_ view: StatusView) -> JSON {
        let groups = view.checks.filter { $0.check == "producer" }
        return .object([("groups", .array(groups.map { g in
            var pairs: [(String, JSON)] = [("account", .string(g.target)), ("producing", g.value == "none" ? .null : .string(g.value)),
                                           ("state", .string(g.state.rawValue))]
            let members = g.figures?.members ?? []
            for m in members where !m.name.hasPrefix("lease_") && !m.name.hasPrefix("etcd ") { pairs.append((m.name, json(m.value))) }
            if let lease = leaseJSON(members) { pairs.append(("lease", lease)) }
            return .object(pairs)
        }))])
    }

    static func json(_ v: FigureObject.Member.Value) -> JSON {
        switch v { case .number(let n): return .number(n); case .flag(let b): return .bool(b); case .text(let t): return .string(t) }
    }

    /// Across hosts: who holds the lease, its token and time left here, and each etcd endpoint.
    static func leaseJSON(_ members: [FigureObject.Member]) -> JSON? {
        let f = FigureObject(key: "", members: members)
        guard case .number(let held)? = f["lease_holder"] else { return nil }
        let endpoints: [JSON] = members.compactMap { m in
            guard m.name.hasPrefix("etcd "), case .text(let t) = m.value else { return nil }
            return .object([("url", .string(String(m.name.dropFirst(5)))), ("answers", t == "answers" ? .bool(true) : t == "not asked yet" ? .null : .bool(false)),
                            ("error", t == "answers" || t == "not asked yet" ? .null : .string(t))])
        }
        return .object([("held_here", .bool(held == 1)), ("holder", f["lease_holder_name"].map(json) ?? .null),
                        ("token", f["lease_token"].map(json) ?? .null), ("seconds_left", held == 1 ? f["lease_seconds_left"].map(json) ?? .null : .null),
                        ("endpoints", .array(endpoints))])
    }

    /// Hands the daemon a request and waits for its answer: (exit status, what to print).
    /// 0 done, 1 refused or failed, 3 no answer in time (the request stays: the daemon takes it when it runs).
    public static func request(_ command: ProducerRequest.Command, account: String, node: String?, config: Config,
                               wait: Double) -> (Int32, String) {
        guard let group = config.producers.first(where: { $0.account == account }) else {
            let known = config.producers.map(\.account)
            return (CommandHelp.usageError, "no [producer.\(account)] in the config" + (known.isEmpty ? "" : "; its groups are \(known.joined(separator: ", "))"))
        }
        // Across hosts the member may be another host's: the daemon knows.
        if let n = node, !group.nodes.contains(n), !group.lease.enabled { return (CommandHelp.usageError, "\(n) is not a member of \(account); its members are \(group.nodes.joined(separator: ", "))") }
        guard geteuid() == 0 else { return (4, "only root may switch, pause or resume a producer group: run it with sudo") }
        let dir = ProducerRequest.directory(config.stateDirectory)
        FileIO.makeDirectories(dir, mode: 0o700)
        let id = "\(getpid())-\(Int(Now.read().wall * 1000))"
        let rc = FileIO.writeAtomically(ProducerRequest.requestFile(config.stateDirectory, account: account),
                                        ProducerRequest(id: id, command: command, node: node).text, durable: true, mode: 0o600)
        guard rc == 0 else { return (1, "cannot write the request in \(dir): \(FileIO.errorText(rc))") }
        let outcome = ProducerRequest.outcomeFile(config.stateDirectory, account: account)
        let deadline = Now.read().monotonic + wait
        while Now.read().monotonic < deadline {
            if let text = FileIO.readText(outcome), text.hasPrefix("id \(id)\n") {
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let result = lines.count > 1 ? lines[1] : "failed"
                return (result == "ok" ? 0 : 1, (result == "ok" ? "" : "\(result): ") + lines.dropFirst(2).filter { !$0.isEmpty }.joined(separator: "\n"))
            }
            Now.sleep(0.2)
        }
        return (3, "no answer from nodeguard within \(TimeSpan.format(wait)): is it running (`systemctl status nodeguard`)? The request stays in \(dir) and is carried out when it runs")
    }
}
