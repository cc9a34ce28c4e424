// A disk's levels from its usage and the [disk] thresholds, with the
// hysteresis that keeps a disk near a threshold from flapping. No I/O.

public enum DiskLevel: Int, Comparable, Sendable {
    case ok, warning, critical
    public static func < (a: DiskLevel, b: DiskLevel) -> Bool { a.rawValue < b.rawValue }
    var state: CheckState { self == .ok ? .ok : self == .warning ? .warning : .critical }
}

enum DiskLevels {
    /// `scale` > 1 asks whether the disk is past the threshold by the recovery margin.
    static func space(_ u: DiskUsage, _ c: DiskConfig, scale: Double = 1) -> DiskLevel {
        let share = u.freeShare, free = Double(u.freeBytes)
        if share < c.criticalFreeBelow * scale || free < Double(c.criticalFreeBytesBelow) * scale { return .critical }
        if share < c.warnFreeBelow * scale || free < Double(c.warnFreeBytesBelow) * scale { return .warning }
        return .ok
    }

    static func inodes(_ u: DiskUsage, _ c: DiskConfig, scale: Double = 1) -> DiskLevel {
        if u.freeInodesShare < c.criticalInodesFreeBelow * scale { return .critical }
        if u.freeInodesShare < c.warnInodesFreeBelow * scale { return .warning }
        return .ok
    }

    /// Worse levels apply at once; better ones only past the margin.
    static func next(current: DiskLevel, raw: DiskLevel, withMargin: DiskLevel) -> DiskLevel {
        raw >= current ? raw : min(current, withMargin)
    }

    /// Seconds until full at the recent fill rate; nil when the disk is not filling.
    static func fullIn(_ w: TrendWindow, free: UInt64) -> Double? {
        guard let fit = w.fit(), fit.slope > 0, fit.span >= 60 else { return nil }
        return Double(free) / fit.slope
    }
}
