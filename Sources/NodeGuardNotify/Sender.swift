// nodeguard-notify.service: sends what the daemon queued in the outbox, each
// target's messages in order, and exits when nothing is due. A failure is
// retried with backoff (the run sleeps through short waits; a long one ends
// the run and the daemon starts the next when it is due), dropped after
// give_up_after; a refusal (HTTP 4xx) is said and not retried.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

/// A target's delivery state, kept in state_directory/notify/TARGET.state.
struct TargetState: Equatable {
    /// The message being retried, its attempts and when to try it again.
    var head = ""
    var attempts = 0
    var next = 0.0
    /// A failure was said in the journal (once per outage).
    var failing = false
    var refused = false

    var json: JSON {
        .object([("head", .string(head)), ("attempts", .number(Double(attempts))), ("next", .number(next)),
                 ("failing", .bool(failing)), ("refused", .bool(refused))])
    }

    init() {}
    init(_ j: JSON) {
        head = j["head"]?.string ?? ""
        attempts = Int(j["attempts"]?.number ?? 0)
        next = j["next"]?.number ?? 0
        failing = j["failing"]?.bool ?? false
        refused = j["refused"]?.bool ?? false
    }
}

public final class Sender {
    let config: Config
    let outbox: Outbox
    let stateDir: String
    let emit: (Event) -> Void
    let clock: () -> Double
    /// How long one run may go on sleeping through short retry waits.
    var runLimit = 300.0
    var shortWait = 30.0

    public init(config: Config, emit: @escaping (Event) -> Void, clock: @escaping () -> Double = { Now.read().wall }) {
        self.config = config
        outbox = Outbox(stateDirectory: config.stateDirectory)
        stateDir = config.stateDirectory + "/notify"
        self.emit = emit
        self.clock = clock
    }

    /// Sends until nothing is due; false when another sender holds the lock.
    @discardableResult
    public func run() -> Bool {
        FileIO.makeDirectories(stateDir, mode: 0o700)
        let lock = open(stateDir + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else { if lock >= 0 { close(lock) }; return false }
        defer { close(lock) }
        let start = clock()
        while true {
            ping()
            let next = pass()
            let now = clock()
            guard let due = next else { unlink(stateDir + "/next"); return true }
            if due - now <= shortWait && now - start < runLimit {
                // A second at a time: a heartbeat or a new message queued
                // meanwhile goes out within a second, not after the wait.
                Now.sleep(min(1, max(0.05, due - now)))
                continue
            }
            _ = FileIO.writeAtomically(stateDir + "/next", "\(due)\n", durable: false, mode: 0o600)
            return true
        }
    }

    /// One pass over the queue; the earliest retry still waiting, if any.
    func pass() -> Double? {
        var order: [String] = []
        var byTarget: [String: [String]] = [:]
        for q in outbox.queued() {
            if byTarget[q.target] == nil { order.append(q.target) }
            byTarget[q.target, default: []].append(q.name)
        }
        var earliest: Double?
        for name in order {
            if let wait = send(byTarget[name]!, to: name) { earliest = min(earliest ?? wait, wait) }
        }
        return earliest
    }

    /// A target's messages, oldest first, until one must wait; when it may be tried again.
    func send(_ files: [String], to name: String) -> Double? {
        guard let t = config.notify.first(where: { $0.name == name }) else {
            for f in files { drop(f, name, why: "its target `\(name)` is no longer in the config") }
            unlink(statePath(name))
            return nil
        }
        var st = loadState(name)
        defer { saveState(st, name) }
        for file in files {
            let now = clock()
            if st.head == file && st.next > now { return st.next }
            guard let text = FileIO.readText(outbox.directory + "/" + file), let m = OutboxMessage.parse(text) else {
                drop(file, name, why: "it cannot be read")
                continue
            }
            if now - m.created >= t.giveUpAfter {
                drop(file, name, why: "it could not be delivered within give_up_after (\(TimeSpan.format(t.giveUpAfter)))", m)
                st.head = ""; st.attempts = 0
                continue
            }
            let outcome = deliver(m, to: t)
            if let wait = settle(outcome, file, t, &st, now: now) { return wait }
        }
        return nil
    }

    /// Records an attempt's outcome; the time to try again when it must wait.
    func settle(_ outcome: Delivery, _ file: String, _ t: NotifyTarget, _ st: inout TargetState, now: Double) -> Double? {
        switch outcome {
        case .delivered:
            unlink(outbox.directory + "/" + file)
            if st.failing || st.refused {
                emit(Event(.recovered, "notifications to \(t.name) are delivered again\(st.attempts > 1 ? " (after \(st.attempts) attempts)" : "")",
                           fields: [("CHECK", EventNames.notify.name), ("TARGET", t.name)]))
            }
            st = TargetState()
            return nil
        case .retry(let why, let after):
            if st.head != file { st.head = file; st.attempts = 0 }
            st.attempts += 1
            st.next = now + Backoff.delay(attempt: st.attempts, retryAfter: after)
            if !st.failing {
                st.failing = true
                emit(Event(.notifyDelayed, "cannot notify \(t.name) yet: \(why); retrying (next in \(TimeSpan.format(st.next - now))) until give_up_after",
                           fields: [("TARGET", t.name), ("CHECK", EventNames.notify.name)]))
            }
            return st.next
        case .refused(let why):
            unlink(outbox.directory + "/" + file)
            if !st.refused {
                st.refused = true
                emit(Event(.notifyRefused, "\(t.name) refused a message: \(why); not retried. Fix its [[notify]] table, then run `nodeguard notify test \(t.name)`",
                           fields: [("TARGET", t.name), ("CHECK", EventNames.notify.name)]))
            }
            st.head = ""; st.attempts = 0
            return nil
        }
    }

    public func deliver(_ m: OutboxMessage, to t: NotifyTarget) -> Delivery {
        switch t.kind {
        case .email, .command:
            return LocalTargets.deliver(m, to: t)
        default:
            var secrets = Secrets()
            do throws(SecretError) {
                secrets.url = try t.url.map { s throws(SecretError) in try s.read().get() }
                secrets.token = try t.token.map { s throws(SecretError) in try s.read().get() }
            } catch {
                return .retry("its secret: \(error.message)", after: nil)
            }
            guard let request = Formats.request(m, for: t, secrets) else {
                return .refused("its URL is not a server and topic such as https://ntfy.sh/alerts")
            }
            return HTTPClient.send(request, timeout: t.timeout, caFile: t.caFile, now: clock())
        }
    }

    func drop(_ file: String, _ target: String, why: String, _ m: OutboxMessage? = nil) {
        unlink(outbox.directory + "/" + file)
        let what = m.map { " (" + $0.items.map { "\($0.event.kind.rawValue): \($0.event.message)" }.joined(separator: "; ") + ")" } ?? ""
        emit(Event(.notifyDropped, "dropped a message to \(target)\(what): \(why)", fields: [("TARGET", target), ("CHECK", EventNames.notify.name)]))
    }

    func statePath(_ target: String) -> String { stateDir + "/" + target + ".state" }

    func loadState(_ target: String) -> TargetState {
        FileIO.readText(statePath(target)).flatMap { try? JSON.parse($0) }.map(TargetState.init) ?? TargetState()
    }

    func saveState(_ st: TargetState, _ target: String) {
        if st == TargetState() { unlink(statePath(target)); return }
        _ = FileIO.writeAtomically(statePath(target), st.json.serialized() + "\n", durable: true, mode: 0o600)
    }
}
