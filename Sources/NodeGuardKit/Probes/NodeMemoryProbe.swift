// The node's resident anonymous memory: what a leak grows. Page cache is left
// out on purpose: a node's cache grows legitimately with its database and the
// kernel reclaims it, so counting it would restart a healthy node.

public struct NodeMemory: Equatable, Sendable {
    public var anonBytes: UInt64
    /// Where the figure came from, for the status view: "cgroup v2 /system.slice/dmo.service".
    public var source: String
}

public enum CgroupVersion: Equatable, Sendable { case v1, v2 }

public enum NodeMemoryProbe {
    public static func cgroupVersion(_ root: HostRoot) -> CgroupVersion? {
        if FileIO.exists(root.path("/sys/fs/cgroup/cgroup.controllers")) { return .v2 }
        if FileIO.exists(root.path("/sys/fs/cgroup/memory/memory.stat")) { return .v1 }
        return nil
    }

    /// The directory that holds memory.stat for the cgroup hierarchy in use.
    static func memoryHierarchy(_ v: CgroupVersion) -> String {
        v == .v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory"
    }

    /// Finds a unit's cgroup: system.slice first, then a shallow search (units
    /// in other slices, nested slices). Returns the path relative to the hierarchy.
    public static func findUnitCgroup(_ unit: String, root: HostRoot, version: CgroupVersion) -> String? {
        let base = root.path(memoryHierarchy(version))
        if FileIO.isDirectory(base + "/system.slice/" + unit) { return "/system.slice/" + unit }
        var frontier = [""]
        for _ in 0..<4 {
            var next: [String] = []
            for dir in frontier {
                for name in FileIO.list(base + dir) where FileIO.isDirectory(base + dir + "/" + name) {
                    if name == unit { return dir + "/" + name }
                    if name.hasSuffix(".slice") || name.hasSuffix(".scope") || name == "machine" { next.append(dir + "/" + name) }
                }
            }
            frontier = next
        }
        return nil
    }

    public static func readUnit(_ unit: String, root: HostRoot, cachedPath: String? = nil) -> Result<(NodeMemory, String), ProbeError> {
        guard let v = cgroupVersion(root) else {
            return .failure(ProbeError("no memory cgroup under \(root.path("/sys/fs/cgroup")); nodeguard needs cgroup v1's memory controller or cgroup v2"))
        }
        let hierarchy = memoryHierarchy(v)
        var rel = cachedPath
        if rel == nil || !FileIO.isDirectory(root.path(hierarchy + rel!)) {
            rel = findUnitCgroup(unit, root: root, version: v)
        }
        guard let path = rel else {
            return .failure(ProbeError("unit \(unit) has no cgroup under \(root.path(hierarchy)); is it running? (systemctl status \(unit))"))
        }
        let statPath = root.path(hierarchy + path + "/memory.stat")
        guard let text = FileIO.readText(statPath) else {
            return .failure(ProbeError("cannot read \(statPath) for unit \(unit)"))
        }
        guard let anon = parseMemoryStat(text, version: v) else {
            return .failure(ProbeError("\(statPath) has no \(v == .v2 ? "anon" : "total_rss") field"))
        }
        return .success((NodeMemory(anonBytes: anon, source: "cgroup \(v == .v2 ? "v2" : "v1") \(path)"), path))
    }

    /// v2: `anon` (anonymous memory, THP included). v1: `total_rss` (the
    /// hierarchical anon + swap cache, so child cgroups count), else `rss`.
    public static func parseMemoryStat(_ text: String, version: CgroupVersion) -> UInt64? {
        let wanted: [Substring] = version == .v2 ? ["anon"] : ["total_rss", "rss"]
        var found: [Substring: UInt64] = [:]
        for line in text.split(separator: "\n") {
            guard let sp = line.firstIndex(of: " ") else { continue }
            let key = line[line.startIndex..<sp]
            if wanted.contains(key), let v = UInt64(line[line.index(after: sp)...]) { found[key] = v }
        }
        for k in wanted { if let v = found[k] { return v } }
        return nil
    }

    // MARK: pidfile

    public static func readPidfile(_ pidfile: String, root: HostRoot) -> Result<NodeMemory, ProbeError> {
        guard let text = root.read(pidfile) else {
            return .failure(ProbeError("cannot read pidfile \(root.path(pidfile)); is the node running?"))
        }
        guard let pid = Int32(text.trimmingBlanks().split(separator: "\n").first.map(String.init) ?? ""), pid > 0 else {
            return .failure(ProbeError("pidfile \(root.path(pidfile)) does not hold a process id"))
        }
        guard let status = root.read("/proc/\(pid)/status") else {
            return .failure(ProbeError("process \(pid) from \(root.path(pidfile)) is not running (stale pidfile)"))
        }
        var total = parseRssAnon(status) ?? 0
        let children = descendants(of: pid, root: root)
        for child in children {
            if let s = root.read("/proc/\(child)/status") { total += parseRssAnon(s) ?? 0 }
        }
        return .success(NodeMemory(anonBytes: total, source: "pid \(pid) and \(children.count) descendants"))
    }

    /// RssAnon from /proc/PID/status (kernel 4.5+): resident anonymous pages.
    public static func parseRssAnon(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return kilobyteField(line)?.1
        }
        return nil
    }

    /// The parent pid from /proc/PID/stat; the command name may hold spaces
    /// and parentheses, so fields are counted after the last ')'.
    public static func parseParentPid(_ stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return Int32(fields[1])
    }

    static func descendants(of pid: Int32, root: HostRoot) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for name in FileIO.list(root.path("/proc")) {
            guard let p = Int32(name), let stat = root.read("/proc/\(name)/stat"), let parent = parseParentPid(stat) else { continue }
            children[parent, default: []].append(p)
        }
        var out: [Int32] = []
        var queue = children[pid] ?? []
        while let p = queue.popLast() {
            out.append(p)
            queue.append(contentsOf: children[p] ?? [])
        }
        return out
    }
}
