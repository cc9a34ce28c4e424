// Whether the status file is the view of a daemon that runs: a status must
// never present a stopped, dead or hung daemon's last view as current.

import NodeGuardKit
public enum DaemonLiveness: Equatable, Sendable {
    case running
    /// It stopped cleanly at this wall time (it marks its status file).
    case stopped(at: Double)
    /// Its process is gone: killed, crashed, or the machine rebooted.
    case gone(pid: Int32)
    /// It runs but has not written its status for more than three intervals: busy or hung.
    case stale(age: Double)

    /// `alive(pid)`: whether that process exists (kill(pid, 0) succeeds or says EPERM).
    public static func judge(_ v: StatusView, now: Double, alive: (Int32) -> Bool) -> DaemonLiveness {
        if let t = v.stoppedAt { return .stopped(at: t) }
        if v.pid > 0, !alive(v.pid) { return .gone(pid: v.pid) }
        let age = now - v.updated
        if age > 3 * max(v.interval, 1) { return .stale(age: age) }
        return .running
    }

    /// The sentence `nodeguard status` says when the daemon is not running; nil when it is.
    public func sentence(_ v: StatusView, now: Double) -> String? {
        let last = "the view below is its last, from \(TimeFormat.local(v.updated)) (\(TimeSpan.format(max(0, now - v.updated))) ago)"
        switch self {
        case .running:
            return nil
        case .stopped(let t):
            return "nodeguard is not running: it stopped at \(TimeFormat.local(t)); \(last). Start it with `systemctl start nodeguard`"
        case .gone(let pid):
            return "nodeguard is not running: its process \(pid) is gone (killed, crashed or the machine restarted); \(last). See `journalctl -u nodeguard` and start it with `systemctl start nodeguard`"
        case .stale(let age):
            return "nodeguard (pid \(v.pid)) has not written its status for \(TimeSpan.format(age)) (it does every \(TimeSpan.format(v.interval))): it is waiting on a slow action or it hangs; \(last). See `journalctl -u nodeguard`"
        }
    }
}
