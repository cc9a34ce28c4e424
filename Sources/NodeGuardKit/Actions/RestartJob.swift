// A node's restart on a thread of its own. A restart_command, a container's
// restart or the wait before its dependents may last up to restart_timeout;
// the loop keeps every other check on its cadence meanwhile and collects
// the outcome when it is there. The job works on copies only: the node's
// config, the container Docker last described, a probe and a Docker client
// of its own; nothing it touches is shared with the loop.
final class RestartJob: @unchecked Sendable {
    typealias Outcome = (restart: ActionOutcome, dependents: [(name: String, outcome: ActionOutcome)])

    let request: RestartRequest
    /// When it was decided and started.
    let started: Now
    /// "restart 1 of 3 in 1h", as it stood when it was decided.
    let budget: String
    /// The node's unit, container or pidfile.
    let target: String
    private let job: BackgroundJob<Outcome>

    init(_ request: RestartRequest, node: NodeWatch, root: HostRoot, now: Now, budget: String) {
        self.request = request
        started = now
        self.budget = budget
        target = node.config.target
        let actuator = node.actuator.copy(root: root)
        job = BackgroundJob {
            let restart = actuator.restart(whileWaiting: {})
            return (restart, restart.succeeded ? actuator.restartDependents(after: restart, whileWaiting: {}) : [])
        }
    }

    func start() { job.start() }

    /// The outcome once the job is over, waiting for it at most until
    /// `until` (monotonic): a fast restart is said in the cycle that decided
    /// it. `whileWaiting` keeps the watchdog fed meanwhile.
    func result(waitingUntil until: Double = 0, whileWaiting: () -> Void = {}) -> Outcome? {
        job.result(waitingUntil: until, whileWaiting: whileWaiting)
    }
}
