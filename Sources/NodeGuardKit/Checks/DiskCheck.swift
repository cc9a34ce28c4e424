// One disk (a path of [disk] paths): free space and free inodes against
// their thresholds, with the fill rate's projection. A disk that reaches
// critical asks the guard to reclaim space first (an action request); the
// guard then has it measured again, and CRIT is said only if still critical.

final class DiskCheck: AwaitsReclaim {
    static let declaration = CheckDeclaration("disk", readings: [free, inodes, unreadable]) { s in
        s.config.disk.paths.map { DiskCheck($0, s.config.disk, root: s.root) }
    }

    static let free = ReadingKind("disk_free", "a filesystem's free space and its fill rate",
        gauges: [freeBytes, fullIn],
        words: { r, v in v + " free" + (r.figure("free share").map { " (\(ReadingText.quantity($0)))" } ?? "") },
        projection: { p in if case .fullIn(let s) = p { return "full in ~\(TimeSpan.format(s))" }; return "" },
        summary: .init { r in "\(r.target) \(r.figure("free share").map(ReadingText.quantity) ?? "?") free" },
        samples: { r, out in
            guard case .bytes(let v) = r.value else { return }
            out.add(freeBytes, Double(v), ("path", r.target))
            if case .fullIn(let s)? = r.projection { out.add(fullIn, s, ("path", r.target)) }
        })
    static let inodes = ReadingKind("disk_inodes", "a filesystem's free inodes",
        gauges: [freeInodes], words: { _, v in v + " free" },
        samples: { r, out in if let free = r.figure("free")?.number { out.add(freeInodes, free, ("path", r.target)) } })
    /// A filesystem statfs cannot read: its probe failure.
    static let unreadable = ReadingKind("disk", "a filesystem that cannot be read (statfs fails)",
        summary: .init { r in r.state == .error ? "\(r.target) unreadable" : nil })

    static let freeBytes = Gauge("nodeguard_disk_free_bytes", help: "Bytes free to unprivileged users on the filesystem.", labels: ["path"])
    static let fullIn = Gauge("nodeguard_disk_full_in_seconds", help: "When the filesystem is full at its recent fill rate.", labels: ["path"])
    static let freeInodes = Gauge("nodeguard_disk_free_inodes", help: "Free inodes on the filesystem.", labels: ["path"])

    let path: String
    private(set) var config: DiskConfig
    let root: HostRoot
    var space = DiskLevel.ok
    var inodes = DiskLevel.ok
    var fill: TrendWindow
    var failures = ProbeFailures()
    /// statfs of the path; tests give a fake one.
    var probe: () -> Result<DiskUsage, ProbeError>
    var kind: String { Self.declaration.kind }
    var target: String { path }

    init(_ path: String, _ config: DiskConfig, root: HostRoot) {
        self.path = path; self.config = config; self.root = root
        fill = TrendWindow(window: config.fillRateWindow, maxPoints: 64)
        probe = { DiskProbe.read(path, root: root) }
    }

    func update(_ new: Config) {
        guard new.disk != config else { return }
        config = new.disk
        space = .ok; inodes = .ok
        fill = TrendWindow(window: new.disk.fillRateWindow, maxPoints: 64)
    }

    func run(_ cycle: inout Cycle) {
        guard let u = failures.value(Self.unreadable, target: path, probe(), &cycle) else { return }
        fill.add(time: cycle.now.monotonic, value: Double(u.totalBytes - min(u.freeBytes, u.totalBytes)))
        let next = DiskLevels.next(current: space, raw: DiskLevels.space(u, config), withMargin: DiskLevels.space(u, config, scale: 1 + recoveryMargin * 4))
        if next != space {
            if next == .critical {
                cycle.requests.append(.reclaim(disk: path))   // reclaim first, CRIT only if that was not enough
            } else {
                cycle.events.append(event(u, level: next, from: space))
                space = next
            }
        }
        let nextInodes = DiskLevels.next(current: inodes, raw: DiskLevels.inodes(u, config), withMargin: DiskLevels.inodes(u, config, scale: 1 + recoveryMargin * 4))
        if nextInodes != inodes {
            cycle.events.append(inodeEvent(u, level: nextInodes))
            inodes = nextInodes
        }
        cycle.readings.append(spaceReading(u))
        cycle.readings.append(Reading(Self.inodes, target: path, value: .share(u.freeInodesShare), figures: [Figure("free", .count(Int(u.freeInodes)))],
                                      warn: Threshold(.below, .share(config.warnInodesFreeBelow)),
                                      critical: Threshold(.below, .share(config.criticalInodesFreeBelow)), state: inodes.state))
    }

    /// After the guard reclaimed what it could: measured again, CRIT said if
    /// still critical (with what was freed), else the level it is at now.
    func reclaimed(_ disk: String, _ reclaimed: [Reclaimed], _ cycle: inout Cycle) -> Bool {
        guard disk == path else { return false }
        guard case .success(let u) = probe() else { return true }
        let level = DiskLevels.space(u, config)
        if level != space {
            var e = event(u, level: level, from: space)
            if level == .critical { e.message += "; " + Self.describe(reclaimed) }
            cycle.events.append(e)
            space = level
        }
        if let i = cycle.readings.firstIndex(where: { $0.kind == Self.free && $0.target == path }) {
            cycle.readings[i] = spaceReading(u)
        }
        return true
    }

    static func describe(_ reclaimed: [Reclaimed]) -> String {
        guard !reclaimed.isEmpty else { return "nothing nodeguard can reclaim there (no Docker logs or journal on that filesystem)" }
        return reclaimed.map { r in
            if let f = r.failure { return "\(r.what): \(f)" }
            return r.dryRun ? "would reclaim \(r.what) (dry run)" : "reclaimed \(r.what): \(Size.format(r.freed)) freed"
        }.joined(separator: ", ")
    }

    func spaceReading(_ u: DiskUsage) -> Reading {
        Reading(Self.free, target: path, value: .bytes(u.freeBytes), figures: [Figure("free share", .share(u.freeShare)), Figure("total", .bytes(u.totalBytes))],
                warn: Threshold(.below, .share(config.warnFreeBelow), .bytes(config.warnFreeBytesBelow)),
                critical: Threshold(.below, .share(config.criticalFreeBelow), .bytes(config.criticalFreeBytesBelow)),
                state: space.state, projection: DiskLevels.fullIn(fill, free: u.freeBytes).map { .fullIn(seconds: $0) })
    }

    func event(_ u: DiskUsage, level: DiskLevel, from: DiskLevel) -> Event {
        let c = config
        let text = "\(u.path): \(Size.format(u.freeBytes)) free (\(Share.format(u.freeShare))) of \(Size.format(u.totalBytes))"
        let fullIn = DiskLevels.fullIn(fill, free: u.freeBytes).map { "full in ~\(TimeSpan.format($0))" }
        let proj = fullIn.map { ", \($0)" } ?? ""
        var fields: [(String, String)] = [("CHECK", "disk_free"), ("VALUE", String(u.freeBytes)), ("TARGET", u.path)]
        if let p = fullIn { fields.append(("PROJECTION", p)) }
        switch level {
        case .critical:
            return Event(.critical, "\(text), below \(Share.format(c.criticalFreeBelow)) or \(Size.format(c.criticalFreeBytesBelow))\(proj): free space now, a full disk corrupts the node's database",
                         fields: fields + [("THRESHOLD", Share.format(c.criticalFreeBelow))])
        case .warning:
            return Event(.warning, "\(text), below \(Share.format(c.warnFreeBelow)) or \(Size.format(c.warnFreeBytesBelow))\(proj)\(from == .critical ? " (no longer critical)" : "")",
                         fields: fields + [("THRESHOLD", Share.format(c.warnFreeBelow))])
        case .ok:
            return Event(.recovered, "\(text): disk space recovered", fields: fields)
        }
    }

    func inodeEvent(_ u: DiskUsage, level: DiskLevel) -> Event {
        let c = config
        let fields: [(String, String)] = [("CHECK", "disk_inodes"), ("VALUE", String(u.freeInodes)), ("TARGET", u.path)]
        let text = "\(u.path): \(u.freeInodes) inodes free (\(Share.format(u.freeInodesShare)))"
        switch level {
        case .critical: return Event(.critical, "\(text), below \(Share.format(c.criticalInodesFreeBelow)): new files will fail; find directories with many small files", fields: fields + [("THRESHOLD", Share.format(c.criticalInodesFreeBelow))])
        case .warning: return Event(.warning, "\(text), below \(Share.format(c.warnInodesFreeBelow))", fields: fields + [("THRESHOLD", Share.format(c.warnInodesFreeBelow))])
        case .ok: return Event(.recovered, "\(text): inodes recovered", fields: fields)
        }
    }
}
