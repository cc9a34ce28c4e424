// What each RPC dialect is asked and how its answer reads, as pure
// functions over recorded replies: the request's body, and the reply as a
// ChainSample or the reason it is not one.
import TOML

/// Where a node stands on its chain, as one answer tells it.
public struct ChainSample: Equatable, Sendable {
    /// The node's block height; nil when the dialect cannot say (http without height_pointer).
    public var height: UInt64?
    /// How far the node knows the chain goes: bitcoind's headers, monero's
    /// target_height, ethereum's highestBlock while syncing.
    public var known: UInt64?
    /// Initial sync, replay or catching up, as the node says it.
    public var syncing = false
    public var peers: Int?
    /// Still opening its databases (bitcoind's -28 "Loading block index…").
    public var warmingUp: String?

    public init(height: UInt64? = nil, known: UInt64? = nil, syncing: Bool = false, peers: Int? = nil, warmingUp: String? = nil) {
        self.height = height; self.known = known; self.syncing = syncing; self.peers = peers; self.warmingUp = warmingUp
    }
}

/// Why an RPC call gave no sample.
public enum RPCFailure: Error, Equatable, Sendable {
    /// Refused, unreachable, past the deadline, cut short: counts towards down_after.
    case unreachable(String)
    /// Answered, but with an error or something that is not the dialect's reply: counts towards down_after.
    case failing(String)
    /// 401/403 or the credentials cannot be read: said, never restarted for.
    case credentials(String)
    /// No cookie file: bitcoind deletes it when it stops and writes it when
    /// its RPC starts, so a node starting has none yet. Credentials after the
    /// startup grace.
    case noCookie(String)

    public var message: String {
        switch self {
        case .unreachable(let m), .failing(let m), .credentials(let m), .noCookie(let m): return m
        }
    }
}

public enum ChainReply: Equatable, Sendable {
    case sample(ChainSample)
    case failure(RPCFailure)
    /// bitcoind forks without getblockchaininfo: ask getblockcount instead.
    case useFallback
}

public enum ChainReplies {
    /// The request body for a dialect; `fallback`: bitcoind's getblockcount form.
    public static func body(_ d: RPCDialect, fallback: Bool = false) -> [UInt8]? {
        switch d {
        case .bitcoind:
            let first = fallback ? "getblockcount" : "getblockchaininfo"
            return Array(#"[{"jsonrpc":"1.0","id":"a","method":"\#(first)","params":[]},{"jsonrpc":"1.0","id":"b","method":"getconnectioncount","params":[]}]"#.utf8)
        case .monero:
            return Array(#"{"jsonrpc":"2.0","id":"0","method":"get_info"}"#.utf8)
        case .ethereum:
            return Array(#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]},{"jsonrpc":"2.0","id":2,"method":"eth_syncing","params":[]},{"jsonrpc":"2.0","id":3,"method":"net_peerCount","params":[]}]"#.utf8)
        case .nodeos:
            return Array("{}".utf8)
        case .http:
            return nil   // GET
        }
    }

    /// Reads a reply. `now` (wall seconds) is for nodeos's head block time.
    public static func parse(_ d: RPCDialect, _ r: HTTPResponse, heightPointer: String? = nil, now: Double = 0) -> ChainReply {
        if r.status == 401 || r.status == 403 {
            return .failure(.credentials("the RPC refused the credentials (HTTP \(r.status))"))
        }
        switch d {
        case .http: return http(r, pointer: heightPointer)
        case .bitcoind: return json(r) { bitcoind($0, status: r.status) }
        case .monero: return json(r) { monero($0, status: r.status) }
        case .ethereum: return json(r) { ethereum($0, status: r.status) }
        case .nodeos: return json(r) { nodeos($0, status: r.status, now: now) }
        }
    }

    /// The reply's body as JSON, read by `read`; a body that is not JSON is a failing RPC.
    static func json(_ r: HTTPResponse, _ read: (JSON) -> ChainReply) -> ChainReply {
        guard let json = try? JSON.parse(r.text) else {
            return .failure(.failing("HTTP \(r.status), not a JSON reply\(r.body.isEmpty ? "" : ": " + excerpt(r))"))
        }
        return read(json)
    }

    /// The start of a reply the reader could not use, safe to log.
    static func excerpt(_ r: HTTPResponse) -> String { Printable.escaped(String(r.text.prefix(120))) }

    /// The node's own error message, when its reply carries one.
    static func errorText(_ r: HTTPResponse) -> String {
        guard let json = try? JSON.parse(r.text) else { return "" }
        return rpcError(json).map { ": " + $0 } ?? ""
    }

    /// JSON-RPC's {"error": {"code": -28, "message": "…"}}, or nodeos's {"error": {"what": "…"}}.
    static func rpcError(_ json: JSON) -> String? {
        guard let e = json["error"], e != .null else { return nil }
        if let m = e["message"]?.string { return e["code"]?.number.map { "\(m) (code \(Int($0)))" } ?? m }
        if let w = e["what"]?.string { return w }
        return e.string ?? e.serialized()
    }

    static func bitcoind(_ json: JSON, status: Int) -> ChainReply {
        // A batch answers with an array; a node that refused the batch answers with one error.
        guard let items = json.array, items.count == 2 else {
            return .failure(.failing("HTTP \(status)\(rpcError(json).map { ": " + $0 } ?? ", not a JSON-RPC batch reply")"))
        }
        let info = items.first { $0["id"]?.string == "a" } ?? items[0]
        let peers = items.first { $0["id"]?.string == "b" }?["result"]?.number.map { Int($0) }
        if let code = info["error"]?["code"]?.number {
            if code == -32601 { return .useFallback }
            if code == -28 { return .sample(ChainSample(peers: peers, warmingUp: info["error"]?["message"]?.string ?? "warming up")) }
            return .failure(.failing(rpcError(info) ?? "RPC error \(Int(code))"))
        }
        guard let result = info["result"] else { return .failure(.failing("a reply without a result")) }
        if let count = result.number { return .sample(ChainSample(height: UInt64(exactly: count.rounded()), peers: peers)) }
        guard let blocks = result["blocks"]?.number else { return .failure(.failing("getblockchaininfo without `blocks`")) }
        return .sample(ChainSample(height: UInt64(max(0, blocks)), known: result["headers"]?.number.map { UInt64(max(0, $0)) },
                                   syncing: result["initialblockdownload"]?.bool ?? false, peers: peers))
    }

    static func monero(_ json: JSON, status: Int) -> ChainReply {
        if let e = rpcError(json) { return .failure(.failing(e)) }
        guard let r = json["result"], let height = r["height"]?.number else {
            return .failure(.failing("HTTP \(status), get_info without a height"))
        }
        if let s = r["status"]?.string, s != "OK" { return .failure(.failing("get_info status \(s)")) }
        let target = r["target_height"]?.number ?? 0
        let synced = r["synchronized"]?.bool ?? true
        let busy = r["busy_syncing"]?.bool ?? false
        let peers = [r["outgoing_connections_count"]?.number, r["incoming_connections_count"]?.number].compactMap { $0 }.reduce(0, +)
        return .sample(ChainSample(height: UInt64(max(0, height)), known: target > height ? UInt64(target) : nil,
                                   syncing: !synced || busy || target > height, peers: Int(peers)))
    }

    static func ethereum(_ json: JSON, status: Int) -> ChainReply {
        guard let items = json.array else {
            return .failure(.failing("HTTP \(status)\(rpcError(json).map { ": " + $0 } ?? ", not a JSON-RPC batch reply")"))
        }
        func item(_ id: Int) -> JSON? { items.first { $0["id"]?.number == Double(id) } }
        if let failed = items.first(where: { rpcError($0) != nil }), let e = rpcError(failed) { return .failure(.failing(e)) }
        guard let height = item(1)?["result"]?.string.flatMap(hex) else {
            return .failure(.failing("eth_blockNumber without a hex result"))
        }
        var s = ChainSample(height: height, peers: item(3)?["result"]?.string.flatMap(hex).map { Int($0) })
        if let sync = item(2)?["result"], sync != .bool(false) {
            s.syncing = true
            s.known = sync["highestBlock"]?.string.flatMap(hex)
            if let current = sync["currentBlock"]?.string.flatMap(hex) { s.height = max(height, current) }
        }
        return .sample(s)
    }

    /// Behind its own clock by more than this, nodeos is replaying or catching up.
    static let nodeosCatchingUp: Double = 60

    static func nodeos(_ json: JSON, status: Int, now: Double) -> ChainReply {
        if let e = rpcError(json) { return .failure(.failing("HTTP \(status): \(e)")) }
        guard let head = json["head_block_num"]?.number else {
            return .failure(.failing("HTTP \(status), get_info without head_block_num"))
        }
        var s = ChainSample(height: UInt64(max(0, head)))
        if let t = json["head_block_time"]?.string, let at = CivilTime.parseUTC(t) { s.syncing = now - at > nodeosCatchingUp }
        return .sample(s)
    }

    /// Any 2xx answer is alive; the height, when asked for, is at the pointer.
    static func http(_ r: HTTPResponse, pointer: String?) -> ChainReply {
        guard (200..<300).contains(r.status) else { return .failure(.failing("HTTP \(r.status)\(errorText(r))")) }
        guard let pointer else { return .sample(ChainSample()) }
        guard let json = try? JSON.parse(r.text) else { return .failure(.failing("HTTP \(r.status), not a JSON reply")) }
        guard let v = json.at(pointer: pointer) else { return .failure(.failing("the reply has nothing at \(pointer)")) }
        let h: UInt64?
        switch v {
        case .number(let n): h = n >= 0 ? UInt64(exactly: n.rounded()) : nil
        case .string(let s): h = s.hasPrefix("0x") ? hex(s) : UInt64(s)
        default: h = nil
        }
        guard let h else { return .failure(.failing("\(pointer) is not a height: \(v.serialized().prefix(40))")) }
        return .sample(ChainSample(height: h))
    }

    /// "0x1b4" → 436.
    static func hex(_ s: String) -> UInt64? {
        guard s.hasPrefix("0x") else { return nil }
        return UInt64(s.dropFirst(2), radix: 16)
    }
}

extension JSON {
    /// RFC 6901: "/result/height", "/items/0/n", with ~1 for / and ~0 for ~.
    public func at(pointer: String) -> JSON? {
        guard pointer.hasPrefix("/") else { return pointer.isEmpty ? self : nil }
        var node = self
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let a = node.array {
                guard let i = Int(token), i >= 0, i < a.count else { return nil }
                node = a[i]
            } else if let next = node[token] {
                node = next
            } else {
                return nil
            }
        }
        return node
    }
}

/// nodeos's "2018-06-01T12:00:00.500" (UTC, no zone) as seconds since the epoch.
enum CivilTime {
    static func parseUTC(_ s: String) -> Double? {
        let b = Array(s.utf8)
        guard b.count >= 19, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58 else { return nil }
        func n(_ r: Range<Int>) -> Int? { Int(String(decoding: b[r], as: UTF8.self)) }
        guard let y = n(0..<4), let mo = n(5..<7), let d = n(8..<10), let h = n(11..<13), let mi = n(14..<16), let sec = n(17..<19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var frac = 0.0
        if b.count > 20, b[19] == 46, let f = Double("0." + String(decoding: b[20...].prefix { $0 >= 48 && $0 <= 57 }, as: UTF8.self)) { frac = f }
        return Double(BillingCalendar.days(from: CivilDate(y, mo, d)) * 86400 + h * 3600 + mi * 60 + sec) + frac
    }
}
