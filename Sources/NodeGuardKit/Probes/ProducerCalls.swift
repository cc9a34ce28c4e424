// The calls a producer group makes to its members, a round at a time: every
// member's call of a round is in flight together, so a frozen member costs
// the round one timeout, not one per call. Replies are read by ProducerAPI.

public enum ProducerCalls {
    /// One call's patience. nodeos answers pause and paused on its main
    /// thread, between blocks: well under a second on a node that is well;
    /// one that takes longer is not one to trust with production.
    public static let timeout = 2.0

    /// Sends each call (nil: none for that member) and waits for all of
    /// them, at most `timeout`; each reply or why there is none.
    public static func round(_ calls: [(api: TCPAddress, call: ProducerAPI.Call)?]) -> [Result<HTTPResponse, ProbeError>?] {
        let deadline = Now.read().monotonic + timeout
        let exchanges = calls.map { c in
            c.map { c in
                // producer_api is an origin (NodeConfig.origin): the calls' paths are absolute.
                let request = HTTP1.request(method: "POST", path: c.call.path, body: c.call.body, host: c.api.description,
                                            headers: [("Content-Type", "application/json")])
                return (HTTPExchange(tcp: c.api, request: request, deadline: deadline), c.call)
            }
        }
        // Stepped in turn, a few milliseconds each, so every request is sent
        // at once and a member that does not answer holds no other's reply.
        var replies = [Result<HTTPResponse, ProbeError>?](repeating: nil, count: exchanges.count)
        var pending = exchanges.indices.filter { exchanges[$0] != nil }
        var slice = 0.0
        while !pending.isEmpty {
            let until = min(deadline, Now.read().monotonic + slice)
            pending = pending.filter { i in
                let (exchange, call) = exchanges[i]!
                switch exchange.step(until: until) {
                case .pending: return true
                case .failed(let err): replies[i] = .failure(ProbeError("\(call.path): \(err.message)"))
                case .done(let r): replies[i] = .success(r)
                }
                return false
            }
            slice = 0.005
        }
        return replies
    }
}
