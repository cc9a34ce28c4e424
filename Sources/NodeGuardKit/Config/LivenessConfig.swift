// A node's chain liveness: which RPC it speaks, how to reach it, and how
// long a stall or an outage may last before the node is restarted. Unset
// durations take the dialect's defaults: a chain's block time decides what
// a stall is.

/// The RPC a node speaks.
public enum RPCDialect: String, CaseIterable, Sendable {
    /// Bitcoin Core and its forks (Litecoin, Dynamo...): JSON-RPC 1.0 over HTTP POST.
    case bitcoind
    /// monerod: JSON-RPC 2.0 on /json_rpc.
    case monero
    /// geth and other execution clients: JSON-RPC 2.0.
    case ethereum
    /// EOSIO/Antelope nodeos: POST /v1/chain/get_info.
    case nodeos
    /// Any URL answering JSON; a 2xx answer is alive, a JSON pointer names the height.
    case http

    /// Where the node answers when rpc_url is not set (mainnet ports); nil: rpc_url is required.
    public var defaultURL: String? {
        switch self {
        case .bitcoind: return "http://127.0.0.1:8332/"
        case .monero: return "http://127.0.0.1:18081/json_rpc"
        case .ethereum: return "http://127.0.0.1:8545/"
        case .nodeos: return "http://127.0.0.1:8888/v1/chain/get_info"
        case .http: return nil
        }
    }

    /// Height unchanged this long is a stall. Set from the block time so a
    /// healthy chain's slowest gap is not mistaken for one: bitcoin's 10-minute
    /// blocks leave an hour without a block a few hundred times a year, two
    /// hours about once in three years (a gap > t is e^(-t/600 s) per block).
    public var stalledAfter: Double {
        switch self {
        case .bitcoind: return 2 * 3600
        case .monero: return 30 * 60      // 2-minute blocks
        case .ethereum: return 10 * 60    // 12-second slots
        case .nodeos: return 3 * 60       // half-second blocks
        case .http: return 30 * 60
        }
    }

    /// No answer this long, while the process runs, is an outage. bitcoind
    /// can hold its RPC for minutes while it validates a large block.
    public var downAfter: Double { self == .bitcoind ? 10 * 60 : 5 * 60 }

    /// After a start: opening the block index, the LMDB, the state database.
    public var startupGrace: Double {
        switch self {
        case .bitcoind: return 20 * 60
        case .monero: return 10 * 60
        case .ethereum: return 10 * 60
        case .nodeos: return 15 * 60
        case .http: return 5 * 60
        }
    }

    public var rpcTimeout: Double { self == .bitcoind ? 15 : 10 }
}

/// The liveness keys of a node as written; nil: the dialect's default.
public struct LivenessConfig: Equatable, Sendable {
    public var dialect: RPCDialect?
    public var url: String?
    public var cookieFile: String?
    public var user: String?
    public var passwordFile: String?
    /// Inline, accepted only from a config file no one but root can read.
    public var password: String?
    /// The http dialect's JSON pointer to the height ("/result/height").
    public var heightPointer: String?
    public var every: Double?
    public var timeout: Double?
    public var downAfter: Double?
    public var stalledAfter: Double?
    public var startupGrace: Double?
    /// Blocks behind `reference` that count as behind; 0: not watched.
    public var behindBy: Int = 0
    /// Another node's name, or "headers" (bitcoind: its own header chain).
    public var reference: String?
    public var behindFor: Double?
    /// Warn when the node has no peers this long; 0: not watched.
    public var isolatedAfter: Double?

    public init() {}
}

/// Where the RPC's credentials come from. Never the secret itself in a
/// message: `description` names only its source.
public enum RPCCredentialSource: Equatable, Sendable, CustomStringConvertible {
    case none
    case cookie(path: String)
    case passwordFile(user: String, path: String)
    case inline(user: String)

    public var description: String {
        switch self {
        case .none: return "no credentials"
        case .cookie(let p): return "the cookie \(p)"
        case .passwordFile(let u, let p): return "user \(u) with the password in \(p)"
        case .inline(let u): return "user \(u) with rpc_password"
        }
    }
}

/// A node's liveness with the dialect's defaults filled in.
public struct LivenessSettings: Equatable, Sendable {
    public var dialect: RPCDialect
    public var url: String
    public var credentials: RPCCredentialSource
    /// Kept out of `description`s and messages; only the request carries it.
    var inlinePassword: String?
    public var heightPointer: String?
    public var every: Double
    public var timeout: Double
    public var downAfter: Double
    public var stalledAfter: Double
    public var startupGrace: Double
    public var behindBy: Int
    public var reference: String?
    public var behindFor: Double
    public var isolatedAfter: Double

    public init?(_ c: LivenessConfig, interval: Double) {
        guard let d = c.dialect, let url = c.url ?? d.defaultURL else { return nil }
        dialect = d
        self.url = url
        if let cookie = c.cookieFile { credentials = .cookie(path: cookie) }
        else if let u = c.user, let f = c.passwordFile { credentials = .passwordFile(user: u, path: f) }
        else if let u = c.user, c.password != nil { credentials = .inline(user: u) }
        else { credentials = .none }
        inlinePassword = c.password
        heightPointer = c.heightPointer
        every = max(c.every ?? 30, interval)
        timeout = c.timeout ?? d.rpcTimeout
        downAfter = c.downAfter ?? d.downAfter
        stalledAfter = c.stalledAfter ?? d.stalledAfter
        startupGrace = c.startupGrace ?? d.startupGrace
        behindBy = c.behindBy
        reference = c.reference
        behindFor = c.behindFor ?? 15 * 60
        isolatedAfter = c.isolatedAfter ?? 10 * 60
    }
}
