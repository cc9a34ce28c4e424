// etcd's endpoints as the lease keeper reaches them: one call at a time,
// to the endpoint that last answered, moving on to the next when one does
// not (refused at once, or silent until its share of the time); the call as
// a whole never takes longer than `timeout`, so the producer check's cycle,
// and the holder's deadline, are never held by a cut network. With etcd's
// authentication on, a token is asked for first and again when etcd no
// longer takes it; the password is read from its file then, never logged.

/// Not final: the lease keeper's unit tests stand a model of etcd in its place.
public class EtcdClient {
    public let endpoints: [TCPAddress]
    let user: String?
    let passwordFile: String?
    /// The longest a call takes, whatever the endpoints do.
    public static let timeout = 1.0
    /// The endpoint tried first: the one that answered last.
    var current = 0
    var token: String?
    /// Each endpoint's last outcome: nil answered, else why not.
    public internal(set) var lastOutcome: [String: String?] = [:]
    /// When each endpoint was last asked (monotonic).
    var lastAsked: [String: Double] = [:]
    /// An endpoint not asked for this long is asked its version (survey).
    static let surveyEvery = 30.0

    public init(_ lease: ProducerLease) {
        endpoints = lease.endpoints.compactMap { try? TCPAddress.parse(url: $0) }
        user = lease.user; passwordFile = lease.passwordFile
    }

    public enum Failure: Error, Equatable {
        /// No endpoint could be connected to.
        case unreachable(String)
        /// An endpoint took the request and did not answer in time: etcd
        /// runs but cannot commit (no quorum), or is overloaded.
        case unanswered(String)
        /// etcd answered and refused (no quorum, a bad request, credentials).
        case refused(EtcdGateway.Refusal)

        public var message: String {
            switch self {
            case .unreachable(let m), .unanswered(let m): return m
            case .refused(let r): return r.message
            }
        }
    }

    /// The reply to `call`, and when it was sent (for a renewal, the lease's reckoning starts then).
    public func send(_ call: EtcdGateway.Call) -> (Result<HTTPResponse, Failure>, sentAt: Double) {
        let started = Now.read().monotonic
        let deadline = started + Self.timeout
        if user != nil, token == nil {
            switch authenticate(deadline: deadline) {
            case .failure(let f): return (.failure(f), started)
            case .success(let t): token = t
            }
        }
        var (r, sent) = exchange(call, deadline: deadline)
        // A token etcd no longer takes (it restarted, or the token expired): once more with a new one.
        if case .success(let reply) = r, user != nil, case .failure(let refusal) = EtcdGateway.reply(reply), refusal.credentials {
            token = nil
            if case .success(let t) = authenticate(deadline: deadline) { token = t; (r, sent) = exchange(call, deadline: deadline) }
        }
        return (r, sent)
    }

    /// GET /version of each endpoint, for `config check --probe`: its version or why not.
    public func versions() -> [(endpoint: String, version: Result<String, Failure>)] {
        endpoints.map { a in
            let request = HTTP1.request(method: "GET", path: "/version", host: a.description)
            switch Self.attempt(request, to: a, deadline: Now.read().monotonic + 2) {
            case .done(let r): return ("http://\(a)", EtcdGateway.version(r).map { .success($0) } ?? .failure(.unreachable("HTTP \(r.status): not etcd's /version")))
            case .failed(let e, _): return ("http://\(a)", .failure(.unreachable(e)))
            }
        }
    }

    /// Each endpoint's reachability, kept current although calls go to the
    /// one that answered last: the endpoint asked least recently, if not
    /// within surveyEvery, is asked its version (one endpoint a cycle, a
    /// quarter second at most), so a member down shows before it matters.
    func survey(now: Double) {
        guard endpoints.count > 1, let a = endpoints.min(by: { (lastAsked["http://\($0)"] ?? 0) < (lastAsked["http://\($1)"] ?? 0) }),
              now - (lastAsked["http://\(a)"] ?? -.infinity) >= Self.surveyEvery else { return }
        lastAsked["http://\(a)"] = now
        switch Self.attempt(HTTP1.request(method: "GET", path: "/version", host: a.description), to: a, deadline: now + 0.25) {
        case .done(let r): lastOutcome["http://\(a)"] = r.status == 200 ? .some(nil) : "HTTP \(r.status)"
        case .failed(let e, _): lastOutcome["http://\(a)"] = e
        }
    }

    /// One request to one endpoint, stepped until it is answered or the deadline.
    enum Attempt { case done(HTTPResponse), failed(String, connected: Bool) }
    static func attempt(_ request: [UInt8], to a: TCPAddress, deadline: Double) -> Attempt {
        let x = HTTPExchange(tcp: a, request: request, deadline: deadline)
        while true {
            switch x.step(wait: 0.05) {
            case .pending: continue
            case .done(let r): return .done(r)
            case .failed(let e): return .failed(e.message, connected: x.connected)
            }
        }
    }

    func authenticate(deadline: Double) -> Result<String, Failure> {
        guard let user, let file = passwordFile else { return .failure(.refused(EtcdGateway.Refusal(message: "no lease_user", credentials: true))) }
        guard let password = FileIO.readText(file, limit: 4096)?.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init), !password.isEmpty else {
            return .failure(.refused(EtcdGateway.Refusal(message: "cannot read the password of etcd user \(user) from \(file)", credentials: true)))
        }
        let (r, _) = exchange(.authenticate(user: user, password: password), deadline: deadline, authenticated: false)
        return r.flatMap { reply in EtcdGateway.token(reply).mapError { refusal in
            .refused(EtcdGateway.Refusal(message: "etcd user \(user): \(refusal.message)", credentials: true))
        } }
    }

    /// One call, endpoint after endpoint from the current one, until one
    /// answers or the deadline; an HTTP reply of any status is an answer.
    func exchange(_ call: EtcdGateway.Call, deadline: Double, authenticated: Bool = true) -> (Result<HTTPResponse, Failure>, sentAt: Double) {
        var why: [String] = []
        var sent = Now.read().monotonic
        var taken = false
        for i in 0..<endpoints.count {
            let n = (current + i) % endpoints.count, a = endpoints[n]
            let now = Now.read().monotonic
            guard now < deadline else { break }
            // The rest of the time, shared with the endpoints not tried yet.
            let share = (deadline - now) / Double(endpoints.count - i)
            let headers: [(String, String)] = authenticated ? token.map { [("Authorization", $0)] } ?? [] : []
            sent = now
            lastAsked["http://\(a)"] = now
            let request = HTTP1.request(method: "POST", path: call.path, body: call.body, host: a.description, headers: headers)
            switch Self.attempt(request, to: a, deadline: now + share) {
            case .done(let r):
                current = n
                lastOutcome["http://\(a)"] = .some(nil)
                return (.success(r), sent)
            case .failed(let e, let connected):
                lastOutcome["http://\(a)"] = e
                why.append(e)
                taken = taken || connected
            }
        }
        current = (current + 1) % max(1, endpoints.count)
        let message = why.isEmpty ? "no time left to ask etcd" : why.joined(separator: "; ")
        return (.failure(taken ? .unanswered(message) : .unreachable(message)), sent)
    }
}
