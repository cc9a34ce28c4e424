// [[notify]] targets and the [heartbeat]: where nodeguard tells the operator.
// Secrets (tokens, webhook URLs) are named by file; the daemon never reads
// them, only the sender does, just before it sends.
#if canImport(Glibc)
import Glibc
#endif

public enum NotifyKind: String, CaseIterable, Sendable {
    case webhook, ntfy, telegram, discord, slack, email, command

    /// Kinds that talk HTTP(S) to a URL given by url or url_file.
    public var usesURL: Bool { self != .telegram && self != .email && self != .command }
}

/// A value given inline in the config or in a file of its own (a secret).
public enum Secret: Equatable, Sendable, CustomStringConvertible {
    case inline(String)
    case file(String)

    /// Never the secret itself: what the config says of where it is.
    public var description: String {
        switch self {
        case .inline: return "(inline)"
        case .file(let p): return p
        }
    }

    /// The value, read now; a file's trailing newline is not part of it.
    public func read() -> Result<String, SecretError> {
        switch self {
        case .inline(let v): return .success(v)
        case .file(let path):
            guard let text = FileIO.readText(path, limit: 64 * 1024) else {
                return .failure(SecretError(message: "cannot read \(path): \(FileIO.errorText(errno))"))
            }
            var v = Substring(text)
            while let last = v.last, last == "\n" || last == "\r" || last == " " { v = v.dropLast() }
            guard !v.isEmpty else { return .failure(SecretError(message: "\(path) is empty")) }
            return .success(String(v))
        }
    }
}

public struct SecretError: Error, Equatable, Sendable { public var message: String }

public struct NotifyTarget: Equatable, Sendable {
    /// The operator's name for it (`nodeguard notify test NAME`); default: its kind.
    public var name = ""
    public var kind = NotifyKind.webhook
    public var url: Secret? = nil
    /// Telegram's bot token, ntfy's access token.
    public var token: Secret? = nil
    public var chatID = ""
    /// Telegram's Bot API server (a self-hosted telegram-bot-api, a test).
    public var apiURL = "https://api.telegram.org"
    public var to: [String] = []
    public var from = ""
    /// Email: the local MTA's SMTP port on 127.0.0.1, tried first (0: never).
    /// exim4 and postfix listen there and deliver from their own daemon: exim's
    /// sendmail re-executes itself setuid root to deliver, which the sender's
    /// sandbox (no new privileges) forbids.
    public var smtpPort = 25
    /// Email when nothing listens there: the MTA's sendmail (msmtp, nullmailer, dma).
    public var sendmail = "/usr/sbin/sendmail"
    public var command: [String] = []
    public var minPriority = Priority.warning
    /// Event kinds (EventKind raw values); empty: every kind.
    public var events: [String] = []
    public var excludeEvents: [String] = []
    /// Nodes whose events go here; empty: every node. Host events always pass.
    public var nodes: [String] = []
    public var excludeNodes: [String] = []
    /// A condition still holding is said again after this; 0: never.
    public var repeatAfter: Double = 6 * 3600
    /// Events within this of the first go out as one message.
    public var batch: Double = 30
    /// At most this many messages an hour; the rest are counted and summed up.
    public var maxPerHour = 20
    /// A message that cannot be delivered is retried this long, then dropped.
    public var giveUpAfter: Double = 24 * 3600
    /// One delivery attempt's deadline.
    public var timeout: Double = 15
    /// Trust this CA for this target's server (a self-hosted ntfy, a test) instead of the system's.
    public var caFile = ""

    public init(name: String = "", kind: NotifyKind = .webhook) { self.name = name; self.kind = kind }
}

public struct HeartbeatConfig: Equatable, Sendable {
    /// The dead-man's-switch URL pinged while check cycles complete; nil: no heartbeat.
    public var url: Secret? = nil
    /// Pinged instead while a check is critical; nil: the ordinary URL all the same.
    public var failURL: Secret? = nil
    public var every: Double = 300
    public var timeout: Double = 15
    public var caFile = ""

    public var enabled: Bool { url != nil }
}
