// The daemon's current view: what `nodeguard status` and `nodeguard check`
// print, and what the daemon writes to its status file each cycle.

public struct CheckView: Equatable, Sendable {
    /// node_memory, host_memory, swap, memory_pressure, disk_free, disk_inodes
    public var check: String
    public var target: String
    public var value: String
    public var warn: String
    public var critical: String
    public var state: CheckState
    public var projection: String
    public var note: String
    /// The node a node check belongs to; nil for host checks.
    public var node: String?
    /// Figures its kind writes as one object (the chain's height, peers...),
    /// for `status --json` and scripts; also under the node.
    public var figures: FigureObject?
    /// The value and thresholds as numbers in base units, beside their words.
    public var numbers: CheckNumbers?

    public init(check: String, target: String, value: String, warn: String = "", critical: String = "",
                state: CheckState, projection: String = "", note: String = "", node: String? = nil, figures: FigureObject? = nil,
                numbers: CheckNumbers? = nil) {
        self.check = check; self.target = target; self.value = value; self.warn = warn
        self.critical = critical; self.state = state; self.projection = projection; self.note = note
        self.node = node; self.figures = figures; self.numbers = numbers
    }
}

public struct StatusView: Equatable, Sendable {
    public var updated: Double = 0
    /// When the checks' texts were made: the daemon makes them again at most
    /// every 5 s while no state changes (Guard.wordsEvery), so they may be
    /// older than `updated`, the last cycle.
    public var checksUpdated: Double = 0
    public var pid: Int32 = 0
    public var interval: Double = 0
    public var dryRun = false
    public var summary = ""
    /// The daemon's own CPU time per cycle (moving average), in microseconds.
    public var cycleCPUMicroseconds: Double = 0
    public var cycles: Int = 0
    public var checks: [CheckView] = []
    public var actions: [ActionRecord] = []
    /// Set by the daemon when it stops cleanly: the view is its last.
    public var stoppedAt: Double?
    public init() {}

    public var worst: CheckState {
        var w = CheckState.ok
        for i in checks.indices where checks[i].state > w { w = checks[i].state }
        return w
    }

    /// 0 ok, 1 warning (or a check that cannot read), 2 critical.
    public var exitCode: Int32 { Int32(worst.rank) }

    /// The status document as a value (`--json`): the bytes the daemon
    /// writes, read back, so the two cannot differ.
    public func json() -> JSON {
        (try? JSON.parse(String(decoding: jsonBytes(), as: UTF8.self))) ?? .object([])
    }

    /// The nodes in the order their checks come, each with its worst state.
    public var nodeNames: [String] {
        var seen: [String] = []
        for c in checks { if let n = c.node, !seen.contains(n) { seen.append(n) } }
        return seen
    }

    public func state(ofNode name: String) -> CheckState {
        checks.filter { $0.node == name }.map(\.state).max() ?? .ok
    }

    /// The same document as json(), streamed, with the texts and the
    /// per-node grouping the CLI derives.
    public func jsonBytes() -> [UInt8] {
        var w = JSONObjectWriter()
        header(&w)
        w.string("updated_text", TimeFormat.local(updated))
        w.beginArray("checks")
        for i in checks.indices { Self.write(checks[i], into: &w) }
        w.endArray()
        w.beginObject("nodes")
        for name in nodeNames {
            w.beginObject(key: name)
            w.string("state", state(ofNode: name).rawValue)
            var written: [String] = []
            for c in checks where c.node == name {
                guard let f = c.figures, !written.contains(f.key) else { continue }
                f.write(into: &w)
                written.append(f.key)
            }
            w.beginArray("checks")
            for c in checks where c.node == name { Self.write(c, into: &w) }
            w.endArray()
            w.endObject()
        }
        w.endObject()
        w.beginArray("actions")
        for a in actions { write(a, texts: true, into: &w) }
        w.endArray()
        return w.finish()
    }

    /// What the daemon writes each cycle: the document without what the CLI
    /// derives (the times as text, the nodes grouping). `cache` keeps the
    /// checks' and actions' bytes while they read the same, as they mostly
    /// do from one second to the next: then only the header is new.
    public func fileBytes(cache: StatusFileCache) -> [UInt8] {
        var w = JSONObjectWriter()
        header(&w)
        if cache.fragments.update(checks) || actions != cache.actions || cache.tail.isEmpty {
            var t = JSONObjectWriter(capacity: 4096, element: true)
            t.beginArray("checks")
            for f in cache.fragments.bytes { t.element(f) }
            t.endArray()
            t.beginArray("actions")
            for a in actions { write(a, texts: false, into: &t) }
            t.endArray()
            cache.actions = actions; cache.tail = t.bytes
        }
        w.members(cache.tail)
        return w.finish()
    }

    func header(_ w: inout JSONObjectWriter) {
        w.number("updated", updated, decimals: 3)
        w.number("checks_updated", checksUpdated, decimals: 3)
        w.number("pid", Double(pid))
        w.number("interval_seconds", interval)
        w.bool("dry_run", dryRun)
        w.string("state", worst.rawValue)
        w.string("summary", summary)
        w.number("cycles", Double(cycles))
        w.number("cycle_cpu_us", cycleCPUMicroseconds, decimals: 1)
        if let t = stoppedAt { w.number("stopped", t, decimals: 3) }
    }

    func write(_ a: ActionRecord, texts: Bool, into w: inout JSONObjectWriter) {
        w.beginObject()
        w.number("time", a.wall)
        if texts { w.string("time_text", TimeFormat.local(a.wall)) }
        w.string("action", a.action); w.string("target", a.target); w.string("outcome", a.outcome)
        if a.count > 1 { w.number("count", Double(a.count)); w.number("since", a.since ?? a.wall) }
        w.endObject()
    }

    static func write(_ c: CheckView, into w: inout JSONObjectWriter) {
        w.beginObject()
        if let n = c.node { w.string("node", n) }
        w.string("check", c.check); w.string("target", c.target); w.string("value", c.value)
        w.string("warn", c.warn); w.string("critical", c.critical); w.string("state", c.state.rawValue)
        w.string("projection", c.projection); w.string("note", c.note)
        c.numbers?.write(into: &w)
        c.figures?.write(into: &w)
        w.endObject()
    }

    public init?(json j: JSON) {
        guard let checks = j["checks"]?.array, let actions = j["actions"]?.array else { return nil }
        updated = j["updated"]?.number ?? 0
        checksUpdated = j["checks_updated"]?.number ?? updated
        pid = Int32(j["pid"]?.number ?? 0)
        interval = j["interval_seconds"]?.number ?? 0
        dryRun = j["dry_run"]?.bool ?? false
        summary = j["summary"]?.string ?? ""
        cycles = Int(j["cycles"]?.number ?? 0)
        cycleCPUMicroseconds = j["cycle_cpu_us"]?.number ?? 0
        stoppedAt = j["stopped"]?.number
        self.checks = checks.map { c in
            CheckView(check: c["check"]?.string ?? "", target: c["target"]?.string ?? "", value: c["value"]?.string ?? "",
                      warn: c["warn"]?.string ?? "", critical: c["critical"]?.string ?? "",
                      state: CheckState(rawValue: c["state"]?.string ?? "") ?? .error,
                      projection: c["projection"]?.string ?? "", note: c["note"]?.string ?? "", node: c["node"]?.string,
                      figures: FigureObject(json: c), numbers: CheckNumbers(json: c))
        }
        self.actions = actions.map { a in
            ActionRecord(wall: a["time"]?.number ?? 0, action: a["action"]?.string ?? "", target: a["target"]?.string ?? "",
                         outcome: a["outcome"]?.string ?? "", count: Int(a["count"]?.number ?? 1), since: a["since"]?.number)
        }
    }

    /// A table of checks and, under it, their notes.
    func block(_ checks: [CheckView]) -> String {
        let header = ["CHECK", "TARGET", "VALUE", "WARN", "CRITICAL", "STATE", "PROJECTION"]
        var out = Table.render(header: header, rows: checks.map { [$0.check, $0.target, $0.value, $0.warn, $0.critical, $0.state.rawValue, $0.projection] })
        for c in checks where !c.note.isEmpty { out += "  \(c.check) \(c.target): \(c.note)\n" }
        return out
    }

    /// The human table `nodeguard status` and `nodeguard check` print.
    public func text(now: Double, isDaemon: Bool) -> String {
        var out = ""
        if isDaemon {
            let age = max(0, now - updated)
            out += "nodeguard (pid \(pid)) at \(TimeFormat.local(updated)) (\(TimeSpan.format(age)) ago), every \(TimeSpan.format(interval))\(dryRun ? ", DRY RUN" : ""); \(cycles) cycles, \(Int(cycleCPUMicroseconds.rounded())) µs CPU each\n"
            if updated - checksUpdated >= 1 { out += "figures as of \(TimeFormat.local(checksUpdated)) (states are current)\n" }
        }
        out += "state: \(worst.rawValue)    \(summary)\n"
        // A block a node, then the host's checks.
        for name in nodeNames {
            let own = checks.filter { $0.node == name }
            out += "\nnode \(name) (\(own.first?.target ?? "")): \(state(ofNode: name).rawValue)\n" + block(own)
        }
        let host = checks.filter { $0.node == nil }
        if !host.isEmpty { out += (nodeNames.isEmpty ? "\n" : "\nhost: \(host.map(\.state).max()?.rawValue ?? "ok")\n") + block(host) }
        if isDaemon {
            out += "\nrecent actions:\n"
            if actions.isEmpty { out += "  none\n" }
            for a in actions { out += "  " + a.line + "\n" }   // all kept: RecentActions
        }
        return out
    }
}

/// The status file's bytes from the last write (StatusView.fileBytes).
public final class StatusFileCache {
    var actions: [ActionRecord] = []
    var tail: [UInt8] = []
    let fragments = CheckFragments()
    public init() {}
}

/// Each check's JSON from the last write, by position: made again only for
/// a check whose view changed, as few do from one second to the next.
final class CheckFragments {
    private var views: [CheckView] = []
    private(set) var bytes: [[UInt8]] = []

    /// Returns whether any check's bytes changed, so the caller rebuilds
    /// the checks' part of the file only then (and never compares the two
    /// arrays of views a second time).
    func update(_ checks: [CheckView]) -> Bool {
        let old = views
        views = checks
        // Words not made again this cycle (Guard.wordsEvery) are the same array.
        if old.withUnsafeBufferPointer({ a in checks.withUnsafeBufferPointer { a.baseAddress == $0.baseAddress && a.count == $0.count } }) { return false }
        if old.count != checks.count {
            bytes = checks.map(Self.render)
            return true
        }
        var changed = false
        for i in checks.indices where old[i] != checks[i] {
            bytes[i] = Self.render(checks[i])
            changed = true
        }
        return changed
    }

    static func render(_ c: CheckView) -> [UInt8] {
        var w = JSONObjectWriter(capacity: 256, element: true)
        StatusView.write(c, into: &w)
        return w.bytes
    }
}

public enum Table {
    public static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                let pad = i == cells.count - 1 ? "" : String(repeating: " ", count: widths[i] - c.count + 2)
                s += c + pad
            }
            while s.hasSuffix(" ") { s.removeLast() }
            return s + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}
