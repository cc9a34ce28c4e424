// Work that may take long (a restart, a member stopped) on a thread of its
// own, so the loop keeps every check on its cadence; the loop collects the
// outcome when it is there. The work must touch nothing the loop shares.
#if canImport(Glibc)
import Glibc
#endif

/// Starts `run()` on a thread. Not generic: the thread's entry point cannot
/// name a generic class (Swift 6.3's region analysis crashes on it).
class BackgroundThread: @unchecked Sendable {
    func run() {}

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
            Unmanaged<BackgroundThread>.fromOpaque(arg!).takeRetainedValue().run()
            return nil
        }, me)
        if rc != 0 {
            Unmanaged<BackgroundThread>.fromOpaque(me).release()
            run()
        }
    }
}

final class BackgroundJob<Outcome>: BackgroundThread, @unchecked Sendable {
    private let work: () -> Outcome
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var outcome: Outcome?

    init(_ work: @escaping () -> Outcome) {
        self.work = work
        super.init()
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    override func run() {
        let o = work()
        pthread_mutex_lock(lock)
        outcome = o
        pthread_mutex_unlock(lock)
    }

    /// The outcome once the work is over, waiting for it at most until
    /// `until` (monotonic); `whileWaiting` keeps the watchdog fed meanwhile.
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
