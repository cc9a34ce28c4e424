// The chain-liveness keys of a node table: rpc, how to reach and
// authenticate to it, and how long a stall or an outage may last.
import TOML

extension Schema {
    /// "bitcoind 2h, monero 30m, …": a duration's default for each dialect, for the help text.
    static func perDialect(_ value: (RPCDialect) -> Double) -> String {
        "Default by rpc: " + RPCDialect.allCases.map { "\($0.rawValue) \(TimeSpan.format(value($0)))" }.joined(separator: ", ") + "."
    }

    static func optionalDuration(_ d: Double?) -> String { d.map(TimeSpan.format) ?? "" }

    static let livenessKeys: [NodeKeySpec] = [
        NodeKeySpec(key: "rpc", help: "Watch that the node follows its chain, over its RPC: \"bitcoind\" (Bitcoin, Litecoin, Dynamo and other forks), \"monero\", \"ethereum\", \"nodeos\" or \"http\" (any URL answering JSON).",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in
                        let s = try string(n, "an RPC dialect such as \"bitcoind\"")
                        guard let d = RPCDialect(rawValue: s) else {
                            throw UnitError(message: "unknown rpc `\(s)`; use one of " + RPCDialect.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                        }
                        c.liveness.dialect = d
                    },
                    show: { $0.liveness.dialect?.rawValue ?? "" }),
        NodeKeySpec(key: "rpc_url", help: "Where the RPC answers, over loopback. Default by rpc: " + RPCDialect.allCases.compactMap { d in d.defaultURL.map { "\(d.rawValue) \($0)" } }.joined(separator: ", ") + "; http needs it.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in
                        let s = try string(n, "a URL such as \"http://127.0.0.1:8332/\"")
                        do throws(HTTPError) { _ = try TCPAddress.parse(url: s) } catch { throw UnitError(message: error.message) }
                        c.liveness.url = s
                    },
                    show: { $0.liveness.url ?? "" }),
        NodeKeySpec(key: "rpc_cookie", help: "bitcoind's cookie file (DATADIR/.cookie); re-read when the node rewrites it at a start.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.liveness.cookieFile = try absolutePath(n) },
                    show: { $0.liveness.cookieFile ?? "" }),
        NodeKeySpec(key: "rpc_user", help: "The RPC user, with rpc_password_file.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in
                        let u = try string(n, "a user name")
                        guard !u.isEmpty, !u.contains(":") else { throw UnitError(message: "an RPC user name cannot be empty or hold `:`") }
                        c.liveness.user = u
                    },
                    show: { $0.liveness.user ?? "" }),
        NodeKeySpec(key: "rpc_password_file", help: "A file holding the RPC password (its first line), readable by root alone.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.liveness.passwordFile = try absolutePath(n) },
                    show: { $0.liveness.passwordFile ?? "" }),
        NodeKeySpec(key: "rpc_password", help: "The RPC password inline: accepted only when no one but root can read this config file; prefer rpc_password_file.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.liveness.password = try string(n, "a string") },
                    // Never the secret: the reload diff says only that it changed.
                    show: { $0.liveness.password == nil ? "" : "(set)" }),
        NodeKeySpec(key: "height_pointer", help: "The JSON pointer to the height in an http rpc's answer, such as \"/result/height\"; unset, any 2xx answer is alive and no stall is watched.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in
                        let s = try string(n, "a JSON pointer such as \"/result/height\"")
                        guard s.hasPrefix("/") else { throw UnitError(message: "a JSON pointer starts with `/`, as in \"/result/height\"") }
                        c.liveness.heightPointer = s
                    },
                    show: { $0.liveness.heightPointer ?? "" }),
        NodeKeySpec(key: "rpc_every", help: "How often the RPC is asked; it rounds up to a whole number of intervals, as the other checks' own intervals do. The RPC is also asked when a stall or an outage falls due, so a decision always rests on a reply read at or after its time. Default: 30s.",
                    range: .seconds(1...3600), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.every = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.every) }),
        NodeKeySpec(key: "rpc_timeout", help: "How long one RPC call may take; past it the call counts as failed. " + perDialect(\.rpcTimeout),
                    range: .seconds(0.1...120), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.timeout = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.timeout) }),
        NodeKeySpec(key: "down_after", help: "The RPC unreachable, refused, failing or past rpc_timeout this long while the node's process runs: restart. " + perDialect(\.downAfter),
                    range: .seconds(10...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.downAfter = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.downAfter) }),
        NodeKeySpec(key: "stalled_after", help: "The height unchanged this long: restart. A sync, a replay or a catch-up is never a stall while the height advances. " + perDialect(\.stalledAfter),
                    range: .seconds(10...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.stalledAfter = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.stalledAfter) }),
        NodeKeySpec(key: "startup_grace", help: "After the node starts or restarts, no liveness restart for this long (databases take minutes to open). " + perDialect(\.startupGrace),
                    range: .seconds(0...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.startupGrace = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.startupGrace) }),
        NodeKeySpec(key: "behind_by", help: "Blocks behind `reference` that count as behind: a WARNING, then a restart when it lasts behind_for. 0: not watched.",
                    range: .integers(0...1_000_000), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.behindBy = try r.integer(n) },
                    show: { $0.liveness.behindBy == 0 ? "" : String($0.liveness.behindBy) }),
        NodeKeySpec(key: "reference", help: "What behind_by compares with: another node of the same chain in this config (its name), or \"headers\" for a bitcoind node's own header chain.",
                    read: { (c: inout NodeConfig, n) throws(UnitError) in c.liveness.reference = try string(n, "a node name or \"headers\"") },
                    show: { $0.liveness.reference ?? "" }),
        NodeKeySpec(key: "behind_for", help: "How long the node may stay behind_by blocks behind before it is restarted. Default: 15m.",
                    range: .seconds(10...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.behindFor = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.behindFor) }),
        NodeKeySpec(key: "isolated_after", help: "No peers this long: a WARNING (nothing is restarted). \"0s\": not watched. Default: 10m.",
                    range: .seconds(0...7 * 86400), read: { (c: inout NodeConfig, n, r) throws(UnitError) in c.liveness.isolatedAfter = try r.seconds(n) },
                    show: { optionalDuration($0.liveness.isolatedAfter) }),
    ]
}
