// A node's restart on a thread of its own. A restart_command, a container's
// restart or the wait before its dependents may last up to restart_timeout;
// the loop keeps every other check on its cadence meanwhile and collects
// the outcome when it is there. The job works on copies only: the node's
// config, the container Docker last described, a probe and a Docker client
// of its own; nothing it touches is shared with the loop.
#if canImport(Glibc)
import Glibc
#endif

final class RestartJob: @unchecked Sendable {
    typealias Outcome = (restart: ActionOutcome, dependents: [(name: String, outcome: ActionOutcome)])

    let request: RestartRequest
    /// When it was decided and started.
    let started: Now
    /// "restart 1 of 3 in 1h", as it stood when it was decided.
    let budget: String
    /// The node's unit, container or pidfile.
    let target: String
    private let actuator: NodeActuator
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var outcome: Outcome?

    init(_ request: RestartRequest, node: NodeWatch, root: HostRoot, now: Now, budget: String) {
        self.request = request
        started = now
        self.budget = budget
        target = node.config.target
        var ownRoot = root
        ownRoot.keepsFilesOpen = false
        let probe = NodeProbe(node.config, root: ownRoot)
        probe.container = node.probe.container
        actuator = NodeActuator(node.config, probe: probe)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Runs it on a new thread; where no thread can be had (TasksMax), here.
    func start() {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, 1 << 20)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let me = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { arg in
            Unmanaged<RestartJob>.fromOpaque(arg!).takeRetainedValue().work()
            return nil
        }, me)
        if rc != 0 {
            Unmanaged<RestartJob>.fromOpaque(me).release()
            work()
        }
    }

    private func work() {
        let restart = actuator.restart(whileWaiting: {})
        let dependents = restart.succeeded ? actuator.restartDependents(after: restart, whileWaiting: {}) : []
        pthread_mutex_lock(lock)
        outcome = (restart, dependents)
        pthread_mutex_unlock(lock)
    }

    /// The outcome once the job is over, waiting for it at most until
    /// `until` (monotonic): a fast restart is said in the cycle that decided
    /// it. `whileWaiting` keeps the watchdog fed meanwhile.
    func result(waitingUntil until: Double = 0, whileWaiting: () -> Void = {}) -> Outcome? {
        while true {
            pthread_mutex_lock(lock)
            let o = outcome
            pthread_mutex_unlock(lock)
            if o != nil || Now.read().monotonic >= until { return o }
            whileWaiting()
            Now.sleep(0.005)
        }
    }
}
