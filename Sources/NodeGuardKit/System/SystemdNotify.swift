// sd_notify, systemd's service notification: READY, STATUS, WATCHDOG, RELOADING, STOPPING.
#if canImport(Glibc)
import Glibc
#endif

public enum SystemdNotify {
    /// 0 when sent (or when no $NOTIFY_SOCKET asks for it), else the errno.
    @discardableResult
    public static func send(_ state: String) -> Int32 {
        SystemdSockets.notify?.send(Array(state.utf8)) ?? 0
    }

    /// STATUS= must be one line; systemctl status shows it as "Status:".
    public static func status(_ line: String) {
        send("STATUS=" + line.filter { $0 != "\n" })
    }

    /// The watchdog interval in seconds when systemd set WatchdogSec for us.
    public static func watchdogInterval() -> Double? {
        SystemdSockets.watchdogMicroseconds().map { Double($0) / 1e6 }
    }

    /// CLOCK_MONOTONIC in microseconds, as RELOADING=1 wants MONOTONIC_USEC.
    public static func monotonicMicroseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_nsec) / 1000
    }
}
