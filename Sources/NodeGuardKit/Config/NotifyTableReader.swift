// [[notify]]: any number of targets, each checked for what its kind needs,
// and no secret inline in a file others can read.
import TOML

extension TableReader {
    static let maxTargets = 16

    mutating func readNotify(_ node: TOMLNode) {
        guard case .array(let items) = node.value, items.allSatisfy({ if case .table = $0.value { return true }; return false }) else {
            problem(node.position, "`notify` is an array of tables: write each target as [[notify]] with its keys on the lines below it")
            return
        }
        for item in items {
            guard case .table(let t) = item.value else { continue }
            guard config.notify.count < TableReader.maxTargets else {
                problem(item.position, "more than \(TableReader.maxTargets) [[notify]] targets")
                return
            }
            var target = NotifyTarget()
            var keysSet: [String: SourcePosition] = [:]
            var failed = false
            for e in t.entries {
                if read(e, into: &target, keys: Schema.notifyKeys, prefix: "notify") { keysSet[e.key] = e.node.position } else { failed = true }
            }
            // A key already reported: what the target then lacks would say it twice.
            guard !failed else { continue }
            guard keysSet["kind"] != nil else {
                problem(item.position, "[[notify]] needs a kind: " + NotifyKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                continue
            }
            relate(&target, keysSet, at: item.position)
            config.notify.append(target)
        }
        nameTargets()
    }

    /// What each kind needs, and nothing it would ignore.
    mutating func relate(_ t: inout NotifyTarget, _ set: [String: SourcePosition], at table: SourcePosition) {
        let k = t.kind.rawValue
        func pos(_ keys: String...) -> SourcePosition { keys.lazy.compactMap { set[$0] }.first ?? table }
        if set["url"] != nil && set["url_file"] != nil { problem(pos("url"), "notify (\(k)): set url or url_file, not both") }
        if set["token"] != nil && set["token_file"] != nil { problem(pos("token"), "notify (\(k)): set token or token_file, not both") }
        if t.kind.usesURL && t.url == nil {
            problem(table, "[[notify]] kind \"\(k)\" needs url_file, a file that holds its URL (or url, in a config only root can read)")
        }
        if !t.kind.usesURL, let p = set["url"] ?? set["url_file"] { problem(p, "notify (\(k)): a \(k) target has no URL; remove url") }
        switch t.kind {
        case .telegram:
            if t.token == nil { problem(table, "[[notify]] kind \"telegram\" needs token_file, a file that holds the bot token from @BotFather") }
            if t.chatID.isEmpty { problem(table, "[[notify]] kind \"telegram\" needs chat_id, the chat the bot writes to") }
        case .email:
            if t.to.isEmpty { problem(table, "[[notify]] kind \"email\" needs to, the recipients, such as [\"ops@example.com\"]") }
        case .command:
            if t.command.isEmpty { problem(table, "[[notify]] kind \"command\" needs command, an argv such as [\"/usr/local/bin/page-me\"]") }
        case .webhook, .discord, .slack, .ntfy:
            if t.kind != .ntfy, let p = set["token"] ?? set["token_file"] { problem(p, "notify (\(k)): a \(k) target has no token; its URL is the secret") }
        }
        for key in ["chat_id", "api_url", "to", "from", "sendmail", "command"] where set[key] != nil && !Self.kindTakes(t.kind, key) {
            problem(set[key]!, "notify (\(k)): `\(key)` is not a key of a \(k) target")
        }
        if !privateFile, let p = set["url"] ?? set["token"] {
            problem(p, "notify (\(k)): this config file can be read by users other than root, and a \(set["url"] != nil ? "URL" : "token") is a secret; put it in a file named by \(set["url"] != nil ? "url_file" : "token_file") (mode 0600), or `chmod 600` this file and `chown root` it")
        }
        relateNodeFilter(t, set)
    }

    static func kindTakes(_ kind: NotifyKind, _ key: String) -> Bool {
        switch key {
        case "chat_id", "api_url": return kind == .telegram
        case "to", "from", "sendmail", "smtp_port": return kind == .email
        case "command": return kind == .command
        default: return true
        }
    }

    mutating func relateNodeFilter(_ t: NotifyTarget, _ set: [String: SourcePosition]) {
        for (key, names) in [("nodes", t.nodes), ("exclude_nodes", t.excludeNodes)] {
            for name in names where config.node(named: name) == nil {
                let known = config.nodes.isEmpty ? "no node is configured" : "the nodes are " + config.nodes.map(\.name).joined(separator: ", ")
                problem(set[key]!, "notify.\(key) names `\(name)`, which is no node; \(known)")
            }
        }
    }

    /// Unnamed targets take their kind's name (webhook, webhook-2); names are unique.
    mutating func nameTargets() {
        var seen: Set<String> = []
        for i in config.notify.indices {
            var name = config.notify[i].name
            if name.isEmpty {
                name = config.notify[i].kind.rawValue
                var n = 2
                while seen.contains(name) || config.notify.contains(where: { $0.name == name }) {
                    name = "\(config.notify[i].kind.rawValue)-\(n)"; n += 1
                }
                config.notify[i].name = name
            } else if seen.contains(name) {
                problem(SourcePosition(line: 1, column: 1), "two [[notify]] targets are named `\(name)`; give each its own name")
            }
            seen.insert(name)
        }
    }

    mutating func relateHeartbeat() {
        let h = config.heartbeat
        if setAt["heartbeat.url"] != nil && setAt["heartbeat.url_file"] != nil {
            problem(at("heartbeat.url"), "heartbeat: set url or url_file, not both")
        }
        if setAt["heartbeat.fail_url"] != nil && setAt["heartbeat.fail_url_file"] != nil {
            problem(at("heartbeat.fail_url"), "heartbeat: set fail_url or fail_url_file, not both")
        }
        if h.url == nil && h.failURL != nil {
            problem(at("heartbeat.fail_url", "heartbeat.fail_url_file"), "[heartbeat] fail_url needs url_file too, a file that holds the URL pinged while all is well")
        }
        for key in ["heartbeat.url", "heartbeat.fail_url"] where setAt[key] != nil && !privateFile {
            problem(at(key), "\(key): this config file can be read by users other than root, and a ping URL is a secret; put it in a file named by \(key.dropFirst(10))_file (mode 0600), or `chmod 600` this file and `chown root` it")
        }
    }
}

extension NotifyKind {
    /// Whether a target of this kind takes `key` (the reference config shows each key once).
    public func takes(_ key: String) -> Bool { TableReader.kindTakes(self, key) }
}
