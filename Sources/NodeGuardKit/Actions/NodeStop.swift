// A node stopped and confirmed gone: how a producer member that cannot be
// confirmed paused is fenced. Gracefully first (nodeos left by a kill needs
// a replay), SIGKILL after stop_timeout: a unit through systemd (its
// KillSignal with SIGCONT, so a frozen process wakes to it; KillUnit's
// SIGKILL once stop_timeout passed, whatever its TimeoutStopSec), a
// container through Docker's stop, a pidfile's tree with SIGINT and
// SIGCONT. Runs on a thread of its own (BackgroundJob).
#if canImport(Glibc)
import Glibc
#endif

extension NodeActuator {
    /// Stops the node and waits until its process is gone, at most
    /// stop_timeout and a margin; the outcome says how it went.
    func stopAndConfirm(whileWaiting: () -> Void) -> ActionOutcome {
        let deadline = Now.read().monotonic + config.stopTimeout + 15
        let asked: ActionOutcome
        if let unit = config.unit {
            asked = SystemdUnit.stop(unit: unit, timeout: 20, whileWaiting: whileWaiting)
        } else if config.container != nil {
            guard let id = probe.containerID else {
                return ActionOutcome(succeeded: false, detail: "container \(config.target) was not found through \(config.dockerSocket)")
            }
            asked = probe.docker().stop(id, stopTimeout: Int(config.stopTimeout), whileWaiting: whileWaiting)
        } else {
            return stopTree(deadline: deadline, whileWaiting: whileWaiting)
        }
        guard asked.succeeded else { return asked }
        let killAt = Now.read().monotonic + config.stopTimeout
        var killed: ActionOutcome?
        while probe.read(monotonic: -Double.infinity, whileWaiting: whileWaiting).running != false {
            let now = Now.read().monotonic
            // systemd waits for its own TimeoutStopSec; stop_timeout is ours.
            if let unit = config.unit, killed == nil, now >= killAt { killed = SystemdUnit.kill(unit: unit, timeout: 10, whileWaiting: whileWaiting) }
            guard now < deadline else {
                return ActionOutcome(succeeded: false, detail: "\(asked.detail), but its process still runs after \(TimeSpan.format(config.stopTimeout + 15))")
            }
            whileWaiting()
            Now.sleep(0.1)
        }
        let how = killed.map { "; it did not stop within stop_timeout \(TimeSpan.format(config.stopTimeout)): \($0.detail)" } ?? ""
        return ActionOutcome(succeeded: true, detail: "\(asked.detail)\(how); its process is gone")
    }

    /// A pidfile's process and its descendants: SIGINT and SIGCONT, SIGKILL
    /// after stop_timeout, until none is left.
    private func stopTree(deadline: Double, whileWaiting: () -> Void) -> ActionOutcome {
        guard let pidfile = config.pidfile, let pid = probe.root.read(pidfile).flatMap(NodeMemoryProbe.pid(inPidfile:)) else {
            return ActionOutcome(succeeded: true, detail: "no process: its pidfile names none")
        }
        let tree = [pid] + NodeMemoryProbe.descendants(of: pid, root: probe.root)
        for p in tree { kill(p, SIGINT); kill(p, SIGCONT) }
        let killAt = Now.read().monotonic + config.stopTimeout
        var killed = false
        // Gone or a zombie, as the node's probe counts a process (processAnonBytes).
        while tree.contains(where: { NodeMemoryProbe.processAnonBytes($0, root: probe.root) != nil }) {
            let now = Now.read().monotonic
            if now >= killAt && !killed { for p in tree { kill(p, SIGKILL) }; killed = true }
            guard now < deadline else { return ActionOutcome(succeeded: false, detail: "pid \(pid) still runs after SIGKILL") }
            whileWaiting()
            Now.sleep(0.05)
        }
        return ActionOutcome(succeeded: true, detail: killed ? "pid \(pid) did not stop on SIGINT within stop_timeout \(TimeSpan.format(config.stopTimeout)): killed" : "pid \(pid) stopped on SIGINT")
    }
}
