// sd_notify: READY, STATUS, WATCHDOG, RELOADING, STOPPING.
#if canImport(Glibc)
import Glibc
#endif
import CSystemd

public enum Notifier {
    @discardableResult
    public static func send(_ state: String) -> Int32 {
        state.withCString { sd_notify(0, $0) }
    }

    /// STATUS= must be one line; systemctl status shows it as "Status:".
    public static func status(_ line: String) {
        send("STATUS=" + line.filter { $0 != "\n" })
    }

    /// The watchdog interval in seconds when systemd set WatchdogSec for us.
    public static func watchdogInterval() -> Double? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return Double(usec) / 1e6
    }

    /// CLOCK_MONOTONIC in microseconds, as RELOADING=1 wants MONOTONIC_USEC.
    public static func monotonicMicroseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_nsec) / 1000
    }
}
