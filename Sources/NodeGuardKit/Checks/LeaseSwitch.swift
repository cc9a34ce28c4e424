// A planned switch between hosts (`nodeguard producer switch` to a member on
// another host, run on either host). The standby that wants production
// asks through a key beside the lease key (KEY/switch, its host's name,
// under a lease of a minute); the holder reads it at each renewal. The
// holder pauses its members between our turns, confirms them paused,
// waits a block, marks the release (KEY/released: its token, under a
// lease of half a minute) and revokes its lease: the key is gone at once.
// A standby that finds the key gone and the mark naming the token of the
// holder it last saw takes the key and resumes at once, before our next
// turn: no turn needs to be missed, since the holder confirmed its pause.

extension LeaseKeeper {
    var switchKey: String { key + "/switch" }
    var releasedKey: String { key + "/released" }

    /// The holder: a switch asked by another host, if one is.
    func readSwitchRequest() {
        guard case .success(.success(let h?)) = client.send(.range(key: switchKey)).0.map(EtcdGateway.holder), h.name != me, h.token != ignoredAsk else {
            switchAsked = nil; return
        }
        switchAsked = h.name
        switchAskedToken = h.token
        switchAskedLease = h.lease
    }

    /// A standby: asks the holder to release (the key lives a minute).
    func askForSwitch() -> Result<Void, EtcdClient.Failure> {
        let (g, _) = client.send(.grant(ttl: 60))
        guard case .success(.success(let lease)) = g.map(EtcdGateway.granted) else { return .failure(failure(g)) }
        let (p, _) = client.send(.put(key: switchKey, value: me, lease: lease.lease))
        guard case .success(.success) = p.map(EtcdGateway.put) else { return .failure(failure(p)) }
        return .success(())
    }

    /// The holder, its members confirmed paused a block ago: the mark, then
    /// the lease revoked. On a failure the lease is kept (and renewed).
    func release(_ cycle: inout Cycle, fields: [(String, String)]) -> Result<Void, EtcdClient.Failure> {
        guard let t = term else { return .success(()) }
        let (g, _) = client.send(.grant(ttl: 30))
        guard case .success(.success(let mark)) = g.map(EtcdGateway.granted) else { return .failure(failure(g)) }
        let (p, _) = client.send(.put(key: releasedKey, value: String(t.token), lease: mark.lease))
        guard case .success(.success) = p.map(EtcdGateway.put) else { return .failure(failure(p)) }
        let (r, _) = client.send(.revoke(lease: t.lease))
        guard case .success(.success) = r.map(EtcdGateway.revoked) else { return .failure(failure(r)) }
        if switchAsked != nil { _ = client.send(.revoke(lease: switchAskedLease)) }
        term = nil
        holder = nil
        switchAsked = nil
        cycle.events.append(Event(.producerLeaseLost, "\(account): this host released the lease (token \(t.token)) for a planned switch, its members confirmed paused; another host takes it and resumes before our next turn",
                                  priority: .notice, fields: Self.with(fields, token: t.token) + [("REASON", "released")]))
        return .success(())
    }

    /// A standby that found the key gone: whether the holder it last saw released it on purpose.
    func releasedToUs() -> Bool {
        guard let last = lastHolder, last.name != me,
              case .success(.success(let mark?)) = client.send(.range(key: releasedKey)).0.map(EtcdGateway.holder) else { return false }
        return mark.name == String(last.token)
    }

    func failure(_ r: Result<HTTPResponse, EtcdClient.Failure>) -> EtcdClient.Failure {
        switch r {
        case .failure(let f): return f
        case .success(let reply):
            if case .failure(let refusal) = EtcdGateway.reply(reply) { return .refused(refusal) }
            return .unreachable("etcd's reply was not what was asked for")
        }
    }
}
