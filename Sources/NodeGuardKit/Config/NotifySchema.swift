// The keys of a [[notify]] table and of [heartbeat]: one table drives
// decoding, the reference config, the manual and the reload diff.
import TOML

public typealias NotifyKeySpec = TableKeySpec<NotifyTarget>

extension Priority {
    /// As the config and journalctl -p name it.
    public var configName: String {
        switch self {
        case .crit: return "crit"
        case .err: return "err"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        }
    }

    static func named(_ s: String) -> Priority? {
        switch s {
        case "crit", "critical": return .crit
        case "err", "error": return .err
        case "warning": return .warning
        case "notice": return .notice
        case "info": return .info
        default: return nil
        }
    }
}

func priority(_ n: TOMLNode) throws(UnitError) -> Priority {
    let s = try string(n, "a priority such as \"warning\"")
    guard let p = Priority.named(s) else {
        throw UnitError(message: "`\(s)` is not a priority; write one of \"crit\", \"err\", \"warning\", \"notice\" or \"info\"")
    }
    return p
}

func eventKinds(_ n: TOMLNode) throws(UnitError) -> [String] {
    let names = try stringArray(n, what: "[\"restart\", \"node_down\"]")
    for name in names where EventKind(rawValue: name) == nil {
        let near = Suggest.nearest(name, among: EventKind.allCases.map(\.rawValue)).map { ", did you mean \"\($0)\"?" } ?? "; `nodeguard catalog` lists them"
        throw UnitError(message: "`\(name)` is not an event kind\(near)")
    }
    return names
}

func httpsURL(_ n: TOMLNode) throws(UnitError) -> String {
    let s = try string(n, "a URL such as \"https://ntfy.sh/my-topic\"")
    guard s.hasPrefix("https://") || s.hasPrefix("http://"), s.count > 8, !s.contains(" ") else {
        throw UnitError(message: "expected a URL starting with https:// (or http:// for a server on this host)")
    }
    return s
}

extension Schema {
    public static let notifyKeys: [NotifyKeySpec] = [
        NotifyKeySpec(key: "kind", help: "Where messages go: \"webhook\" (a JSON POST of the events), \"ntfy\", \"telegram\" (Bot API sendMessage), \"discord\", \"slack\" (incoming webhooks), \"email\" (to this host's MTA: SMTP on 127.0.0.1:25, else /usr/sbin/sendmail) or \"command\" (an argv run with the events as JSON on stdin).",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                let s = try string(n, "a kind such as \"ntfy\"")
                guard let k = NotifyKind(rawValue: s) else {
                    throw UnitError(message: "`\(s)` is not a kind; write one of " + NotifyKind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
                }
                t.kind = k
            }, show: { $0.kind.rawValue }),
        NotifyKeySpec(key: "name", help: "Your name for this target, for `nodeguard notify test NAME` and the journal. Default: its kind (kind-2, kind-3 for more of one kind).",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                let s = try string(n)
                guard !s.isEmpty, s.count <= 64, s.allSatisfy(NodeConfig.isNameCharacter) else {
                    throw UnitError(message: "`\(s)` must be letters, digits, -, _ or . (at most 64); it names the target's queue on disk")
                }
                t.name = s
            }, show: { $0.name }),
        NotifyKeySpec(key: "url_file", help: "A file (mode 0600) holding the URL: the webhook's, Discord's or Slack's incoming-webhook URL, or the ntfy server and topic.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.url = .file(try absolutePath(n)) },
            show: { if case .file(let p) = $0.url { return p }; return "" }),
        NotifyKeySpec(key: "url", help: "The URL itself, allowed only in a config file no one but root can read: a webhook URL is a secret. Prefer url_file.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.url = .inline(try httpsURL(n)) },
            show: { if case .inline = $0.url { return "(inline)" }; return "" }),
        NotifyKeySpec(key: "token_file", help: "A file (mode 0600) holding Telegram's bot token, or an ntfy access token.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.token = .file(try absolutePath(n)) },
            show: { if case .file(let p) = $0.token { return p }; return "" }),
        NotifyKeySpec(key: "token", help: "The token itself, allowed only in a config file no one but root can read. Prefer token_file.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.token = .inline(try string(n)) },
            show: { if case .inline = $0.token { return "(inline)" }; return "" }),
        NotifyKeySpec(key: "chat_id", help: "Telegram: the chat the bot writes to (a number, or @channel).",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                if case .integer(let i) = n.value { t.chatID = String(i); return }
                t.chatID = try string(n, "a chat id such as \"123456789\"")
            }, show: { $0.chatID }),
        NotifyKeySpec(key: "api_url", help: "Telegram: the Bot API server, for a self-hosted telegram-bot-api. Default: https://api.telegram.org.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.apiURL = try httpsURL(n) }, show: { $0.apiURL }),
        NotifyKeySpec(key: "to", help: "Email: the recipients.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                let list = try stringArray(n, what: "[\"ops@example.com\"]")
                for a in list where !isMailAddress(a) { throw UnitError(message: "`\(a)` is not a mail address such as \"ops@example.com\"") }
                t.to = list
            }, show: { quoted($0.to) }),
        NotifyKeySpec(key: "from", help: "Email: the From address. Default: root@ this host's mail name (/etc/mailname, else its host name).",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                let a = try string(n)
                guard isMailAddress(a) else { throw UnitError(message: "`\(a)` is not a mail address such as \"nodeguard@example.com\"") }
                t.from = a
            }, show: { $0.from }),
        NotifyKeySpec(key: "smtp_port", help: "Email: the port on 127.0.0.1 where this host's MTA takes mail by SMTP, tried first: exim4 and postfix listen on 25 and deliver at once from their own daemon. When nothing listens there, sendmail is used. 0: always sendmail.",
            range: .integers(0...65535), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in t.smtpPort = try r.integer(n) }, show: { String($0.smtpPort) }),
        NotifyKeySpec(key: "sendmail", help: "Email: the program that takes the mail when no MTA listens on smtp_port, as every Debian MTA provides it (msmtp-mta, nullmailer, dma). Default: /usr/sbin/sendmail.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.sendmail = try absolutePath(n) }, show: { $0.sendmail }),
        NotifyKeySpec(key: "command", help: "Command: the argv to run (no shell), with the events as JSON on stdin and the first event's NODEGUARD_* fields in its environment.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in
                let argv = try stringArray(n, what: "[\"/usr/local/bin/page-me\", \"--urgent\"]")
                guard let first = argv.first else { throw UnitError(message: "the command is empty; write an argv such as [\"/usr/local/bin/page-me\"]") }
                guard first.hasPrefix("/") else { throw UnitError(message: "the command `\(first)` must be an absolute path, as in \"/usr/bin/\(first)\"") }
                t.command = argv
            }, show: { quoted($0.command) }),
    ] + notifyFilterKeys

    static let notifyFilterKeys: [NotifyKeySpec] = [
        NotifyKeySpec(key: "min_priority", help: "The least priority sent here: \"crit\", \"err\", \"warning\", \"notice\" or \"info\". A restart counts as a warning here (nodeguard acted); a recovery goes wherever its problem went.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.minPriority = try priority(n) },
            show: { $0.minPriority.configName }),
        NotifyKeySpec(key: "events", help: "Only these event kinds (as in NODEGUARD_EVENT, such as \"restart\", \"node_down\", \"critical\"). Default: every kind.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.events = try eventKinds(n) }, show: { quoted($0.events) }),
        NotifyKeySpec(key: "exclude_events", help: "Never these event kinds.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.excludeEvents = try eventKinds(n) }, show: { quoted($0.excludeEvents) }),
        NotifyKeySpec(key: "nodes", help: "Only the events of these nodes; events of the host (disks, bandwidth, nodeguard itself) still come. Default: every node.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.nodes = try stringArray(n, what: "[\"dmo\"]") }, show: { quoted($0.nodes) }),
        NotifyKeySpec(key: "exclude_nodes", help: "Never the events of these nodes.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.excludeNodes = try stringArray(n, what: "[\"testnet\"]") }, show: { quoted($0.excludeNodes) }),
        NotifyKeySpec(key: "repeat_after", help: "A problem that still holds is said again after this; \"0s\": never again until it recovers.",
            range: .seconds(0...30 * 86400), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in
                let d = try r.seconds(n)
                guard d == 0 || d >= 600 else { throw UnitError(message: "repeat_after must be \"0s\" (never) or at least 10m") }
                t.repeatAfter = d
            }, show: { TimeSpan.format($0.repeatAfter) }),
        NotifyKeySpec(key: "batch", help: "Events that come within this of the first go out as one message.",
            range: .seconds(0...3600), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in t.batch = try r.seconds(n) }, show: { TimeSpan.format($0.batch) }),
        NotifyKeySpec(key: "max_per_hour", help: "At most this many messages an hour; the others are held back and one message at the hour's end says how many.",
            range: .integers(1...3600), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in t.maxPerHour = try r.integer(n) }, show: { String($0.maxPerHour) }),
        NotifyKeySpec(key: "give_up_after", help: "A message that cannot be delivered (network down, server failing) is kept on disk and retried this long, then dropped with a journal entry.",
            range: .seconds(60...30 * 86400), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in t.giveUpAfter = try r.seconds(n) }, show: { TimeSpan.format($0.giveUpAfter) }),
        NotifyKeySpec(key: "timeout", help: "How long one delivery attempt may take.",
            range: .seconds(1...300), read: { (t: inout NotifyTarget, n, r) throws(UnitError) in t.timeout = try r.seconds(n) }, show: { TimeSpan.format($0.timeout) }),
        NotifyKeySpec(key: "ca_file", help: "Trust only this CA certificate (PEM) for this target's server, such as a self-hosted ntfy's private CA. Default: the system's CAs.",
            read: { (t: inout NotifyTarget, n) throws(UnitError) in t.caFile = try absolutePath(n) }, show: { $0.caFile }),
    ]

    /// "notify.phone added (ntfy)", "notify.phone.batch 30s -> 1m".
    static func notifyChanges(from old: Config, to new: Config) -> [String] {
        var out: [String] = []
        for t in new.notify {
            guard let was = old.notify.first(where: { $0.name == t.name }) else { out.append("notify.\(t.name) added (\(t.kind.rawValue))"); continue }
            for k in notifyKeys where k.value(in: was) != k.value(in: t) || (k.key == "url" && was.url != t.url) || (k.key == "token" && was.token != t.token) {
                let a = k.value(in: was), b = k.value(in: t)
                out.append("notify.\(t.name).\(k.key) \(a.isEmpty ? "(unset)" : a) -> \(b.isEmpty ? "(unset)" : b)")
            }
        }
        for t in old.notify where !new.notify.contains(where: { $0.name == t.name }) { out.append("notify.\(t.name) removed") }
        return out
    }


    /// [heartbeat]'s keys, part of `keys`.
    static let heartbeatKeys: [KeySpec] = [
        KeySpec(table: "heartbeat", key: "url_file", help: "A file (mode 0600) holding the dead-man's-switch URL (healthchecks.io, an Uptime Kuma push monitor, cronitor) pinged while check cycles complete; when nodeguard or the host dies the pings stop and that service alerts you.",
                read: { (c, n) throws(UnitError) in c.heartbeat.url = .file(try absolutePath(n)) },
                show: { if case .file(let p) = $0.heartbeat.url { return p }; return "" }),
        KeySpec(table: "heartbeat", key: "url", help: "The URL itself, allowed only in a config file no one but root can read. Prefer url_file.",
                read: { (c, n) throws(UnitError) in c.heartbeat.url = .inline(try httpsURL(n)) },
                show: { if case .inline = $0.heartbeat.url { return "(inline)" }; return "" }),
        KeySpec(table: "heartbeat", key: "fail_url_file", help: "A file holding the URL pinged instead while a check is critical (healthchecks.io: the URL with /fail).",
                read: { (c, n) throws(UnitError) in c.heartbeat.failURL = .file(try absolutePath(n)) },
                show: { if case .file(let p) = $0.heartbeat.failURL { return p }; return "" }),
        KeySpec(table: "heartbeat", key: "fail_url", help: "The failure URL itself, allowed only in a config file no one but root can read.",
                read: { (c, n) throws(UnitError) in c.heartbeat.failURL = .inline(try httpsURL(n)) },
                show: { if case .inline = $0.heartbeat.failURL { return "(inline)" }; return "" }),
        KeySpec(table: "heartbeat", key: "every", help: "How often the URL is pinged; set the service's period to this and its grace to a few cycles more.",
                range: .seconds(10...86400), read: { (c, n, r) throws(UnitError) in c.heartbeat.every = try r.seconds(n) },
                show: { TimeSpan.format($0.heartbeat.every) }),
        KeySpec(table: "heartbeat", key: "timeout", help: "How long one ping may take.",
                range: .seconds(1...120), read: { (c, n, r) throws(UnitError) in c.heartbeat.timeout = try r.seconds(n) },
                show: { TimeSpan.format($0.heartbeat.timeout) }),
        KeySpec(table: "heartbeat", key: "ca_file", help: "Trust only this CA certificate (PEM) for the ping server. Default: the system's CAs.",
                read: { (c, n) throws(UnitError) in c.heartbeat.caFile = try absolutePath(n) },
                show: { $0.heartbeat.caFile }),
    ]
}

/// local@domain, without spaces or header-breaking characters.
/// user@example.com, and for the MTA on this host ops@localhost or a bare
/// local user (sendmail qualifies it). Nothing that would break the header.
func isMailAddress(_ s: String) -> Bool {
    let parts = s.split(separator: "@", omittingEmptySubsequences: false)
    return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty } && !s.hasPrefix("-")
        && s.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "<" && $0 != ">" && $0 != "," && $0 != "\"" && $0 != ";" }
}
