// Where a cycle's results go: the journal (events), the status file (the
// view `nodeguard status` reads). The metrics textfile and notifications
// are sinks too. A sink never changes what the checks decided.
#if canImport(Glibc)
import Glibc
#endif

/// One cycle as the sinks receive it.
public struct CycleReport: Sendable {
    public let now: Now
    public let events: [Event]
    public let readings: [Reading]
    public let view: StatusView
    /// What the cycle did, as the metrics count it.
    public var tallies: [Tally] = []
}

public protocol Sink: AnyObject {
    func publish(_ report: CycleReport)
    /// A reload: take the new settings (a new status file path, new targets).
    func update(_ config: Config)
}

/// Events to the journal (or wherever the closure sends them).
public final class EventSink: Sink {
    let emit: (Event) -> Void
    public init(_ emit: @escaping (Event) -> Void) { self.emit = emit }
    public func publish(_ report: CycleReport) { for e in report.events { emit(e) } }   // stamped by the guard
    public func update(_ config: Config) {}
}

/// The status file, rewritten each cycle (/run is tmpfs, so no fsync); a
/// failure to write it is said once, its end silently.
public final class StatusFileSink: Sink {
    private(set) var path: String
    let pid: Int32
    let emit: (Event) -> Void
    var problemLogged = false
    let cache = StatusFileCache()
    private var last: StatusView?

    public init(path: String, pid: Int32, emit: @escaping (Event) -> Void) { self.path = path; self.pid = pid; self.emit = emit }

    public func update(_ config: Config) { path = config.statusFile }

    public func publish(_ report: CycleReport) {
        var v = report.view
        v.pid = pid
        last = v
        write(v.fileBytes(cache: cache))
    }

    /// On a clean stop: the last view, marked stopped, so `nodeguard status`
    /// says the daemon is not running instead of showing it as current.
    public func markStopped(at wall: Double) {
        guard var v = last else { return }
        v.stoppedAt = wall
        write(v.fileBytes(cache: cache))
    }

    private func write(_ bytes: [UInt8]) {
        var rc = FileIO.writeAtomically(path, bytes, durable: false)
        if rc == ENOENT {
            // Only when the directory is missing (first write, or /run was
            // cleaned): creating it every cycle cost ~20 us of syscalls.
            FileIO.makeDirectories(FileIO.directory(of: path), mode: 0o755)
            rc = FileIO.writeAtomically(path, bytes, durable: false)
        }
        if rc != 0 && !problemLogged {
            problemLogged = true
            emit(Event(.probeFailed, "cannot write the status file \(path): \(FileIO.errorText(rc)); `nodeguard status` will not work. Check status_file",
                       fields: [("CHECK", EventNames.statusFile.name), ("TARGET", path)]))
        } else if rc == 0 {
            problemLogged = false
        }
    }
}
