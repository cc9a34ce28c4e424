// `nodeguard notify send|test|queue`: the sender's entry (run by
// nodeguard-notify.service), a test message to each target, and what waits.
import NodeGuardKit

public enum NotifyCommand {
    /// nodeguard-notify.service: deliver what is due, then exit.
    public static func send(_ config: Config, log: EventLog) -> Int32 {
        Sender(config: config, emit: log.send).run()
        return 0
    }

    /// A test message to each target (or the one named), now, past the
    /// outbox; one line each: delivered, or the server's words.
    public static func test(_ config: Config, name: String?, print: (String) -> Void) -> Int32 {
        let targets = config.notify.filter { name == nil || $0.name == name }
        guard !targets.isEmpty else {
            print(name.map { "no [[notify]] target is named `\($0)`; the targets are " + names(config) }
                  ?? "no [[notify]] target is configured; see nodeguard.toml(5)")
            return 1
        }
        let sender = Sender(config: config, emit: { _ in })
        let host = NotifySink.hostName()
        var allDelivered = true
        for t in targets {
            let now = Now.read().wall
            let e = Event(.notifyTest, "test message from nodeguard on \(host): notifications to \(t.name) (\(t.kind.rawValue)) work",
                          fields: [("TARGET", t.name)])
            let m = OutboxMessage(target: t.name, host: host, created: now, items: [NotifyItem(.test, e, time: now)])
            switch sender.deliver(m, to: t) {
            case .delivered: print("\(t.name): delivered")
            case .retry(let why, _), .refused(let why): print("\(t.name): not delivered: \(why)"); allDelivered = false
            }
        }
        return allDelivered ? 0 : 1
    }

    /// What waits in the outbox, per target, and when it is tried next.
    public static func queue(_ config: Config, print: (String) -> Void) -> Int32 {
        let outbox = Outbox(stateDirectory: config.stateDirectory)
        let queued = outbox.queued()
        // A batch still collecting waits too: the daemon sends it when its window closes.
        let open = outbox.openBatches()
        for b in open {
            let batch = config.notify.first { $0.name == b.target }.map { TimeSpan.format($0.batch) } ?? "its batch window"
            print("\(b.target): \(counted(b.items.count, "event")) in the open batch since \(TimeFormat.local(b.created)), sent \(batch) after it opened")
        }
        guard !queued.isEmpty else {
            if open.isEmpty { print("nothing waits in \(outbox.directory)") }
            return 0
        }
        let sender = Sender(config: config, emit: { _ in })
        var seen: [String] = []
        for q in queued where !seen.contains(q.target) {
            seen.append(q.target)
            let count = queued.filter { $0.target == q.target }.count
            let st = sender.loadState(q.target)
            let retry = st.attempts > 0 ? ", \(counted(st.attempts, "attempt")) so far, next at \(TimeFormat.local(st.next))" : ""
            print("\(q.target): \(counted(count, "message")) waiting\(retry)")
        }
        return 0
    }

    static func names(_ c: Config) -> String { c.notify.map(\.name).joined(separator: ", ") }
}
