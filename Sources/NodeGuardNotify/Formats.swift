// What each service receives, built from a queued message: pure, so each
// format is checked against the service's documented shape in unit tests.
import NodeGuardKit

public struct HTTPRequest: Equatable, Sendable {
    public var method = "POST"
    public var url: String
    public var headers: [String] = []
    public var body: [UInt8] = []
}

/// A target's secrets, read just before sending.
public struct Secrets: Sendable {
    public var url: String?
    public var token: String?
    public init(url: String? = nil, token: String? = nil) { self.url = url; self.token = token }
}

public enum Formats {
    /// "nodeguard on vps1" and, for several lines, how many.
    public static func title(_ m: OutboxMessage) -> String {
        let head = "nodeguard on \(m.host)"
        return m.items.count == 1 ? head : "\(head): \(m.items.count) events"
    }

    /// The items the most severe first, recoveries last, each kind in the
    /// order it came: what a batch is about leads, whatever came first.
    public static func ordered(_ m: OutboxMessage) -> [NotifyItem] {
        let rank = { (i: NotifyItem) in i.role == .recovery ? Int.max : NotifyRules.priority(i.event).rawValue }
        return m.items.enumerated().sorted { a, b in
            rank(a.element) != rank(b.element) ? rank(a.element) < rank(b.element) : a.offset < b.offset
        }.map(\.element)
    }

    /// One line an item, the most severe first: its own time (UTC), its priority and what happened.
    public static func lines(_ m: OutboxMessage) -> [String] {
        ordered(m).map { i in
            let mark: String
            switch i.role {
            case .recovery: mark = "RECOVERED"
            case .reminder: mark = "STILL"
            case .heldBack: mark = "HELD BACK"
            case .test: mark = "TEST"
            case .event: mark = NotifyRules.priority(i.event).label
            }
            return "\(TimeFormat.clock(i.time)) UTC \(mark): \(i.event.message)"
        }
    }

    public static func text(_ m: OutboxMessage, limit: Int = 4000) -> String {
        clipped(title(m) + "\n" + lines(m).joined(separator: "\n"), to: limit)
    }

    /// The most severe line's priority: what the message is as a whole.
    public static func priority(_ m: OutboxMessage) -> Priority {
        m.items.filter { $0.role != .recovery }.map { NotifyRules.priority($0.event) }.min() ?? .notice
    }

    static func clipped(_ s: String, to limit: Int) -> String {
        guard s.count > limit else { return s }
        return String(s.prefix(limit - 20)) + "\n… (cut; see the journal)"
    }

    public static func request(_ m: OutboxMessage, for t: NotifyTarget, _ secrets: Secrets) -> HTTPRequest? {
        let json = ["Content-Type: application/json"]
        switch t.kind {
        case .webhook:
            guard let url = secrets.url else { return nil }
            return HTTPRequest(url: url, headers: json, body: Array(webhookJSON(m).serialized().utf8))
        case .ntfy:
            guard let url = secrets.url, let (server, topic) = ntfyTopic(url) else { return nil }
            let body = JSON.object([("topic", .string(topic)), ("title", .string(title(m))),
                                    ("message", .string(clipped(lines(m).joined(separator: "\n"), to: 4000))),
                                    ("priority", .number(Double(ntfyPriority(m)))), ("tags", .array([.string(ntfyTag(m))]))])
            let auth = secrets.token.map { ["Authorization: Bearer \($0)"] } ?? []
            return HTTPRequest(url: server, headers: json + auth, body: Array(body.serialized().utf8))
        case .telegram:
            guard let token = secrets.token else { return nil }
            let chat: JSON = Int64(t.chatID).map { .number(Double($0)) } ?? .string(t.chatID)
            let body = JSON.object([("chat_id", chat), ("text", .string(text(m, limit: 4096))), ("disable_web_page_preview", .bool(true))])
            return HTTPRequest(url: t.apiURL.trimmingSuffix("/") + "/bot\(token)/sendMessage", headers: json, body: Array(body.serialized().utf8))
        case .discord:
            guard let url = secrets.url else { return nil }
            let body = JSON.object([("username", .string("nodeguard")), ("content", .string(text(m, limit: 2000)))])
            return HTTPRequest(url: url, headers: json, body: Array(body.serialized().utf8))
        case .slack:
            guard let url = secrets.url else { return nil }
            return HTTPRequest(url: url, headers: json, body: Array(JSON.object([("text", .string(text(m, limit: 3000)))]).serialized().utf8))
        case .email, .command:
            return nil
        }
    }

    /// The generic webhook's JSON: the most severe line's fields at the top
    /// (so `event` and `priority` say what the batch is about), the kinds it
    /// holds in `kinds`, every line under "events", most severe first.
    public static func webhookJSON(_ m: OutboxMessage) -> JSON {
        let items = ordered(m)
        let events = items.map { eventJSON($0, host: m.host) }
        guard case .object(var top)? = events.first else { return .object([]) }
        top.removeAll { $0.0 == "message" || $0.0 == "priority" }
        var kinds: [String] = []
        for i in items where !kinds.contains(i.event.kind.rawValue) { kinds.append(i.event.kind.rawValue) }
        return .object([("message", .string(lines(m).joined(separator: "\n"))), ("priority", .string(priority(m).configName))]
                       + top + [("kinds", .array(kinds.map(JSON.string))), ("events", .array(events))])
    }

    static func eventJSON(_ i: NotifyItem, host: String) -> JSON {
        let e = i.event
        let opt: (String) -> JSON = { e.field($0).map(JSON.string) ?? .null }
        return .object([
            ("message", .string(e.message)), ("priority", .string(NotifyRules.priority(e).configName)),
            ("event", .string(e.kind.rawValue)), ("role", .string(i.role.rawValue)),
            ("node", opt("NODE")), ("check", opt("CHECK")), ("value", opt("VALUE")), ("threshold", opt("THRESHOLD")),
            ("target", opt("TARGET")), ("host", .string(host)), ("time", .string(TimeFormat.iso8601(i.time))),
            ("MESSAGE_ID", .string(e.kind.messageID)),
        ])
    }

    /// https://ntfy.sh/alerts -> ("https://ntfy.sh/", "alerts"): ntfy takes JSON at its root.
    static func ntfyTopic(_ url: String) -> (String, String)? {
        guard let slash = url.lastIndex(of: "/"), url[..<slash].contains("//"), !url.hasSuffix("/") else { return nil }
        let topic = String(url[url.index(after: slash)...])
        guard !url[..<slash].hasSuffix("/") else { return nil }
        return (String(url[...slash]), topic)
    }

    static func ntfyPriority(_ m: OutboxMessage) -> Int {
        if m.items.allSatisfy({ $0.role == .recovery }) { return 3 }
        switch priority(m) {
        case .crit: return 5
        case .err, .warning: return 4
        case .notice: return 3
        case .info: return 2
        }
    }

    static func ntfyTag(_ m: OutboxMessage) -> String {
        if m.items.allSatisfy({ $0.role == .recovery }) { return "white_check_mark" }
        return priority(m) <= .err ? "rotating_light" : "warning"
    }
}
