#if canImport(Glibc)
import Glibc
#endif

/// One reading of both clocks. Sustained thresholds use the monotonic clock
/// (a clock step must not fire or reset them); what is persisted or shown
/// (restart times) uses wall time.
public struct Now: Sendable, Equatable {
    public var monotonic: Double
    public var wall: Double
    public init(monotonic: Double, wall: Double) { self.monotonic = monotonic; self.wall = wall }

    public static func read() -> Now {
        var m = timespec(), w = timespec()
        clock_gettime(CLOCK_MONOTONIC, &m)
        clock_gettime(CLOCK_REALTIME, &w)
        return Now(monotonic: Double(m.tv_sec) + Double(m.tv_nsec) / 1e9, wall: Double(w.tv_sec) + Double(w.tv_nsec) / 1e9)
    }

    /// Sleeps this long (an action waiting for a node to come back).
    public static func sleep(_ seconds: Double) {
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var left = timespec()
        while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
    }
}

/// CPU time this thread has used, in microseconds: the daemon measures its
/// own cycles with it and reports the figure in the status file.
public func threadCPUMicroseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e6 + Double(t.tv_nsec) / 1e3
}

public enum TimeFormat {
    /// "2026-11-22 14:03:07" in local time.
    public static func local(_ wall: Double) -> String {
        var t = time_t(wall)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 32)
        let n = strftime(&buf, buf.count, "%Y-%m-%d %H:%M:%S", &tmv)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// "2026-11-22T14:03:07Z".
    public static func iso8601(_ wall: Double) -> String { utc(wall, "%Y-%m-%dT%H:%M:%SZ") }

    /// "14:03:07" in UTC, for a line of a notification.
    public static func clock(_ wall: Double) -> String { utc(wall, "%H:%M:%S") }

    static func utc(_ wall: Double, _ format: String) -> String {
        var t = time_t(wall)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 40)
        let n = strftime(&buf, buf.count, format, &tmv)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
