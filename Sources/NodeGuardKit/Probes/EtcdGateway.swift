// etcd's JSON gateway (3.4: /v3/...), the calls a producer lease needs, as
// requests and their replies. Pure: sent over HTTPExchange by the lease's
// keeper. Every call is a POST of a JSON object; keys and values are
// base64; int64s (lease IDs, revisions, TTLs) are JSON strings. Shapes as
// Debian's etcd 3.4.23 answers them (Tests/Fixtures/etcd-replies, recorded
// by system-tests/lease/record-etcd-replies.sh).

public enum EtcdGateway {
    public enum Call: Equatable, Sendable {
        /// /v3/auth/authenticate: a token for the calls after it.
        case authenticate(user: String, password: String)
        /// A lease of `ttl` seconds.
        case grant(ttl: Int)
        /// The key put with `value` under `lease` only if it does not exist
        /// (create_revision 0); else its holder read back.
        case take(key: String, value: String, lease: Int64)
        case keepAlive(lease: Int64)
        case revoke(lease: Int64)
        case range(key: String)
        /// A key put under a lease (a planned switch's marks).
        case put(key: String, value: String, lease: Int64)

        public var path: String {
            switch self {
            case .authenticate: return "/v3/auth/authenticate"
            case .grant: return "/v3/lease/grant"
            case .take: return "/v3/kv/txn"
            case .keepAlive: return "/v3/lease/keepalive"
            case .revoke: return "/v3/lease/revoke"
            case .range: return "/v3/kv/range"
            case .put: return "/v3/kv/put"
            }
        }

        public var body: [UInt8] {
            let json: JSON
            switch self {
            case .authenticate(let user, let password): json = .object([("name", .string(user)), ("password", .string(password))])
            case .grant(let ttl): json = .object([("TTL", .number(Double(ttl)))])
            case .take(let key, let value, let lease):
                let k = JSON.string(b64(key))
                json = .object([("compare", .array([.object([("result", .string("EQUAL")), ("target", .string("CREATE")), ("key", k), ("create_revision", .string("0"))])])),
                                ("success", .array([.object([("request_put", .object([("key", k), ("value", .string(b64(value))), ("lease", .string(String(lease)))]))])])),
                                ("failure", .array([.object([("request_range", .object([("key", k)]))])]))])
            case .keepAlive(let lease), .revoke(let lease): json = .object([("ID", .string(String(lease)))])
            case .range(let key): json = .object([("key", .string(b64(key)))])
            case .put(let key, let value, let lease):
                json = .object([("key", .string(b64(key))), ("value", .string(b64(value))), ("lease", .string(String(lease)))])
            }
            return Array(json.serialized().utf8)
        }
    }

    /// Who holds the key: the value it was put with (a host's name), its
    /// lease, and its create_revision (the fencing token: it only grows).
    public struct Holder: Equatable, Sendable {
        public var name: String
        public var lease: Int64
        public var token: Int64
    }

    public enum Taken: Equatable, Sendable {
        /// Ours now; the token is the revision of our put.
        case ours(token: Int64)
        case heldBy(Holder)
    }

    /// Why etcd did not do what was asked: its words, and whether the
    /// credentials are at fault (said as an ERROR naming the user, not retried as an outage).
    public struct Refusal: Error, Equatable, Sendable {
        public var message: String
        public var credentials: Bool
    }

    public static func token(_ r: HTTPResponse) -> Result<String, Refusal> {
        reply(r).flatMap { j in j["token"]?.string.map { .success($0) } ?? .failure(Refusal(message: "no token in the reply", credentials: false)) }
    }

    /// A granted lease: its ID and the TTL etcd gave (it may raise a small one).
    public static func granted(_ r: HTTPResponse) -> Result<(lease: Int64, ttl: Int), Refusal> {
        reply(r).flatMap { j in
            guard let id = int64(j["ID"]), let ttl = int64(j["TTL"]) else { return .failure(Refusal(message: "no lease ID or TTL in the reply", credentials: false)) }
            return .success((id, Int(ttl)))
        }
    }

    public static func taken(_ r: HTTPResponse) -> Result<Taken, Refusal> {
        reply(r).flatMap { j in
            if j["succeeded"]?.bool == true {
                guard let rev = int64(j["header"]?["revision"]) else { return .failure(Refusal(message: "no revision in the reply", credentials: false)) }
                return .success(.ours(token: rev))
            }
            // The loser gets no "succeeded" at all, and the holder read back.
            guard let kv = j["responses"]?.array?.first?["response_range"]?["kvs"]?.array?.first, let h = holder(kv) else {
                return .failure(Refusal(message: "the key is neither taken nor held: \(j.serialized().prefix(120))", credentials: false))
            }
            return .success(.heldBy(h))
        }
    }

    /// The TTL left on a renewed lease; nil when it expired or was revoked (no "TTL").
    public static func renewed(_ r: HTTPResponse) -> Result<Int?, Refusal> {
        reply(r).map { j in int64(j["result"]?["TTL"]).map(Int.init) }
    }

    /// The key's holder; nil when nobody holds it.
    public static func holder(_ r: HTTPResponse) -> Result<Holder?, Refusal> {
        reply(r).flatMap { j in
            guard let kv = j["kvs"]?.array?.first else { return .success(nil) }
            return holder(kv).map { .success($0) } ?? .failure(Refusal(message: "an unreadable key-value in the reply", credentials: false))
        }
    }

    public static func revoked(_ r: HTTPResponse) -> Result<Void, Refusal> { reply(r).map { _ in () } }

    public static func put(_ r: HTTPResponse) -> Result<Void, Refusal> { reply(r).map { _ in () } }

    /// GET /version: "3.4.23".
    public static func version(_ r: HTTPResponse) -> String? {
        guard r.status == 200, let j = try? JSON.parse(r.text) else { return nil }
        return j["etcdserver"]?.string
    }

    // MARK: -

    /// The JSON of a 200, or etcd's error ({"error","message","code"}, gRPC's codes).
    static func reply(_ r: HTTPResponse) -> Result<JSON, Refusal> {
        let j = try? JSON.parse(r.text)
        if r.status == 200, let j, j["error"] == nil { return .success(j) }
        let message = j?["message"]?.string ?? j?["error"]?.string ?? "HTTP \(r.status)"
        // 3 INVALID_ARGUMENT with an authentication message, 16 UNAUTHENTICATED, 7 PERMISSION_DENIED.
        let code = j?["code"]?.number.map(Int.init)
        let credentials = code == 16 || code == 7 || (code == 3 && (message.contains("authentication") || message.contains("user name") || message.contains("token")))
        return .failure(Refusal(message: "HTTP \(r.status): \(message)", credentials: credentials))
    }

    static func holder(_ kv: JSON) -> Holder? {
        guard let v = kv["value"]?.string, let bytes = Base64.decode(v), let token = int64(kv["create_revision"]) else { return nil }
        return Holder(name: String(decoding: bytes, as: UTF8.self), lease: int64(kv["lease"]) ?? 0, token: token)
    }

    /// int64s come as strings.
    static func int64(_ j: JSON?) -> Int64? { j?.string.flatMap { Int64($0) } ?? j?.number.map { Int64($0) } }

    static func b64(_ s: String) -> String { Base64.encode(Array(s.utf8)) }
}
