// The NODEGUARD_CHECK names that no check's reading carries: what the guard
// itself, its sinks and the notification sender say about their own work.
// With the checks' readings they make the man page's CHECKS list.

public enum EventNames {
    public static let thenRestart = ReadingKind("then_restart", "a dependent restarted after its node (events only)")
    public static let state = ReadingKind("state", "nodeguard's state directory (events only)")
    public static let statusFile = ReadingKind("status_file", "nodeguard's status file (events only)")
    public static let metrics = ReadingKind("metrics", "the metrics textfile and the counters kept for it (events only)")
    public static let notify = ReadingKind("notify", "notification targets, their outbox and the heartbeat (events only)")
    public static let config = ReadingKind("config", "a reload of the configuration file (events only)")

    public static let all = [thenRestart, state, statusFile, metrics, notify, config]
}
