// The heartbeat: the daemon leaves outbox/heartbeat.json after a completed
// cycle; the sender pings once, never retries (a late "alive" would lie), and
// says a failing ping once per outage.
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

extension Sender {
    func ping() {
        let h = config.heartbeat
        let queued = outbox.directory + "/heartbeat.json", taken = stateDir + "/heartbeat.sending"
        guard rename(queued, taken) == 0 else { return }
        defer { unlink(taken) }
        guard h.enabled, let text = FileIO.readText(taken), let j = try? JSON.parse(text),
              let time = j["time"]?.number else { return }
        let failing = j["failing"]?.bool ?? false
        let now = clock()
        // A ping for a cycle long past would say nodeguard is alive when it may not be.
        guard now - time <= max(h.every, 60) else { return }
        let secret = (failing ? h.failURL : nil) ?? h.url!
        let outcome: Delivery
        switch secret.read() {
        case .success(let url):
            outcome = HTTPClient.send(HTTPRequest(method: "GET", url: url), timeout: h.timeout, caFile: h.caFile, now: now)
        case .failure(let e):
            outcome = .retry("its URL: \(e.message)", after: nil)
        }
        let wasFailing = FileIO.exists(stateDir + "/heartbeat.failing")
        switch outcome {
        case .delivered:
            if wasFailing {
                unlink(stateDir + "/heartbeat.failing")
                emit(Event(.recovered, "the heartbeat gets through again", fields: [("CHECK", EventNames.notify.name), ("TARGET", "heartbeat")]))
            }
        case .retry(let why, _), .refused(let why):
            guard !wasFailing else { return }
            _ = FileIO.writeAtomically(stateDir + "/heartbeat.failing", "\(Int(now))\n", durable: false, mode: 0o600)
            emit(Event(.notifyDelayed, "the heartbeat ping failed: \(why); the service watching it will alert if this goes on",
                       fields: [("CHECK", EventNames.notify.name), ("TARGET", "heartbeat")]))
        }
    }
}
