// The node's resident anonymous memory: what a leak grows. Page cache is left
// out on purpose: a node's cache grows legitimately with its database and the
// kernel reclaims it, so counting it would restart a healthy node.
#if canImport(Glibc)
import Glibc
#endif

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
    public static func memoryHierarchy(_ v: CgroupVersion) -> String {
        v == .v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory"
    }

    /// Where a unit's memory is read from, found once and reused while it exists.
    public struct UnitCgroup: Equatable, Sendable {
        public enum Kind: Equatable, Sendable {
            /// The unit's own memory cgroup: memory.stat.
            case memoryStat(CgroupVersion)
            /// cgroup v1 without a memory cgroup for the unit (memory accounting
            /// off, or a container whose memory hierarchy is read-only): the
            /// unit's processes from its systemd cgroup, summed.
            case processes
        }
        public var hierarchy: String
        public var path: String
        public var kind: Kind
    }

    /// Finds a unit's cgroup under a hierarchy: system.slice first, then a
    /// shallow search (units in other slices, nested slices). Returns the path
    /// relative to the hierarchy.
    public static func findUnitCgroup(_ unit: String, root: HostRoot, hierarchy: String) -> String? {
        let base = root.path(hierarchy)
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

    public static func locateUnit(_ unit: String, root: HostRoot) -> UnitCgroup? {
        guard let v = cgroupVersion(root) else { return nil }
        let memory = memoryHierarchy(v)
        if let p = findUnitCgroup(unit, root: root, hierarchy: memory) {
            return UnitCgroup(hierarchy: memory, path: p, kind: .memoryStat(v))
        }
        guard v == .v1 else { return nil }
        for h in ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"] {
            if let p = findUnitCgroup(unit, root: root, hierarchy: h) { return UnitCgroup(hierarchy: h, path: p, kind: .processes) }
        }
        return nil
    }

    public static func readUnit(_ unit: String, root: HostRoot, cached: UnitCgroup? = nil) -> Result<(NodeMemory, UnitCgroup), ProbeError> {
        // The common cycle: the cgroup found before is read, nothing else.
        // Its memory.stat stays open on the host, and a cgroup systemd has
        // removed (the unit stopped or restarted) fails to read (ENODEV), so a
        // failure here means: look for the unit again.
        if let c = cached, case .memoryStat = c.kind, case .success(let found) = readCgroup(c, label: "unit \(unit)", root: root) {
            return .success(found)
        }
        guard let v = cgroupVersion(root) else {
            return .failure(ProbeError("no memory cgroup under \(root.path("/sys/fs/cgroup")); nodeguard needs cgroup v1's memory controller or cgroup v2"))
        }
        var where_ = cached
        if let c = where_, !FileIO.isDirectory(root.path(c.hierarchy + c.path)) { where_ = nil }
        if where_ == nil { where_ = locateUnit(unit, root: root) }
        guard let cg = where_ else {
            return .failure(ProbeError("unit \(unit) has no cgroup under \(root.path(memoryHierarchy(v))); is it running? (systemctl status \(unit))", notRunning: true))
        }
        return readCgroup(cg, label: "unit \(unit)", root: root)
    }

    /// Resident anonymous memory of a cgroup found before.
    public static func readCgroup(_ cg: UnitCgroup, label: String, root: HostRoot) -> Result<(NodeMemory, UnitCgroup), ProbeError> {
        switch cg.kind {
        case .memoryStat(let version):
            let stat = cg.hierarchy + cg.path + "/memory.stat"
            guard let text = root.readBytes(stat) else {
                return .failure(ProbeError("cannot read \(root.path(stat)) for \(label)"))
            }
            guard let anon = parseMemoryStat(text, version: version) else {
                return .failure(ProbeError("\(root.path(stat)) has no \(version == .v2 ? "anon" : "total_rss") field"))
            }
            return .success((NodeMemory(anonBytes: anon, source: "cgroup \(version == .v2 ? "v2" : "v1") \(cg.path)"), cg))
        case .processes:
            let pids = cgroupProcesses(root.path(cg.hierarchy + cg.path))
            var total: UInt64 = 0
            for pid in pids { total += processAnonBytes(pid, root: root) ?? 0 }
            return .success((NodeMemory(anonBytes: total, source: "\(pids.count) processes of cgroup \(cg.path) (no memory cgroup for the unit)"), cg))
        }
    }

    /// A process's cgroup from /proc/PID/cgroup: on v2 the "0::" line, on v1
    /// the memory controller's line (else the name=systemd one).
    public static func parseProcCgroup(_ text: String, version: CgroupVersion) -> (memory: String?, systemd: String?) {
        var memory: String?, systemd: String?, unified: String?
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            if f[0] == "0" && f[1].isEmpty { unified = String(f[2]) }
            if f[1].split(separator: ",").contains("memory") { memory = String(f[2]) }
            if f[1] == "name=systemd" { systemd = String(f[2]) }
        }
        return version == .v2 ? (unified, unified) : (memory, systemd ?? unified)
    }

    /// The memory of the cgroup a process runs in: a container, through the
    /// pid Docker reports for it.
    public static func readProcessCgroup(pid: Int32, root: HostRoot) -> Result<(NodeMemory, UnitCgroup), ProbeError> {
        guard let v = cgroupVersion(root) else {
            return .failure(ProbeError("no memory cgroup under \(root.path("/sys/fs/cgroup")); nodeguard needs cgroup v1's memory controller or cgroup v2"))
        }
        guard let text = root.read("/proc/\(pid)/cgroup") else {
            return .failure(ProbeError("process \(pid) is gone (\(root.path("/proc/\(pid)/cgroup")))"))
        }
        let (memory, systemd) = parseProcCgroup(text, version: v)
        let hierarchy = memoryHierarchy(v)
        var cg: UnitCgroup? = nil
        if let m = memory, m != "/", FileIO.isDirectory(root.path(hierarchy + m)) {
            cg = UnitCgroup(hierarchy: hierarchy, path: m, kind: .memoryStat(v))
        } else if v == .v1, let s = systemd, s != "/" {
            for h in ["/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"] where FileIO.isDirectory(root.path(h + s)) {
                cg = UnitCgroup(hierarchy: h, path: s, kind: .processes); break
            }
        }
        guard let found = cg else {
            return .failure(ProbeError("process \(pid) has no cgroup of its own under \(root.path(hierarchy))"))
        }
        return readCgroup(found, label: "pid \(pid)", root: root)
    }

    /// Every pid in a cgroup and its child cgroups.
    static func cgroupProcesses(_ dir: String) -> [Int32] {
        var pids: [Int32] = []
        var queue = [dir]
        while let d = queue.popLast() {
            if let procs = FileIO.readText(d + "/cgroup.procs") {
                pids += procs.split(separator: "\n").compactMap { Int32($0) }
            }
            for name in FileIO.list(d) where FileIO.isDirectory(d + "/" + name) { queue.append(d + "/" + name) }
        }
        return pids
    }

    public static func parseMemoryStat(_ text: String, version: CgroupVersion) -> UInt64? {
        parseMemoryStat(Array(text.utf8), version: version)
    }

    /// v2: `anon` (anonymous memory, THP included). v1: `total_rss` (the
    /// hierarchical anon + swap cache, so child cgroups count), else `rss`.
    public static func parseMemoryStat(_ bytes: [UInt8], version: CgroupVersion) -> UInt64? {
        var a: UInt64?, t: UInt64?, r: UInt64?
        forEachField(bytes, separator: UInt8(ascii: " ")) { key in
            if key.is("anon") { a = key.value } else if key.is("total_rss") { t = key.value } else if key.is("rss") { r = key.value }
        }
        return version == .v2 ? a : (t ?? r)
    }

    // MARK: pidfile

    /// The process id a pidfile holds: its first line.
    static func pid(inPidfile text: String) -> Int32? {
        guard let pid = Int32(text.trimmingBlanks().split(separator: "\n").first.map(String.init) ?? ""), pid > 0 else { return nil }
        return pid
    }

    public static func readPidfile(_ pidfile: String, root: HostRoot) -> Result<NodeMemory, ProbeError> {
        guard let text = root.read(pidfile) else {
            return .failure(ProbeError("cannot read pidfile \(root.path(pidfile)); is the node running?", notRunning: true))
        }
        guard let pid = pid(inPidfile: text) else {
            return .failure(ProbeError("pidfile \(root.path(pidfile)) does not hold a process id"))
        }
        guard var total = processAnonBytes(pid, root: root) else {
            return .failure(ProbeError("process \(pid) from \(root.path(pidfile)) is not running (stale pidfile)", notRunning: true))
        }
        let children = descendants(of: pid, root: root)
        for child in children { total += processAnonBytes(child, root: root) ?? 0 }
        return .success(NodeMemory(anonBytes: total, source: "pid \(pid) and \(children.count) descendants"))
    }

    static let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 4096))

    /// A process's resident anonymous memory, or nil when it is gone (a
    /// zombie too). From
    /// /proc/PID/statm (resident - shared, which is RssAnon): the kernel
    /// writes those seven numbers for a fraction of the cost of
    /// /proc/PID/status, which it renders in full (signal masks, capability
    /// sets) for every read. /proc/PID/status where statm cannot be read.
    static func processAnonBytes(_ pid: Int32, root: HostRoot) -> UInt64? {
        if let statm = root.readBytes("/proc/\(pid)/statm"), let pages = parseStatmAnonPages(statm) {
            return hasPages(statm) ? pages * pageSize : nil
        }
        return root.readBytes("/proc/\(pid)/status").map { parseRssAnon($0) ?? 0 }
    }

    /// A pid from a `children` list: digits, maybe a trailing newline.
    static func parsePid(_ bytes: ArraySlice<UInt8>) -> Int32? {
        var v: Int32 = 0, digits = 0
        for b in bytes {
            if b >= 48 && b <= 57 {
                guard digits < 9 else { return nil }
                v = v * 10 + Int32(b - 48); digits += 1
            } else if b != 10 && b != 32 { return nil }
        }
        return digits > 0 && v > 0 ? v : nil
    }

    /// "size resident shared text lib data dt" in pages: resident counts
    /// anonymous, file and shmem pages, shared the file and shmem ones.
    public static func parseStatmAnonPages(_ bytes: [UInt8]) -> UInt64? {
        var field = 0, v: UInt64 = 0, inNumber = false
        var resident: UInt64 = 0
        for i in 0...bytes.count {
            let b = i < bytes.count ? bytes[i] : 32   // a blank after the last number ends it
            if b >= 48 && b <= 57 { v = v &* 10 &+ UInt64(b - 48); inNumber = true; continue }
            guard inNumber else { continue }
            if field == 1 { resident = v }
            if field == 2 { return resident >= v ? resident - v : nil }
            field += 1; v = 0; inNumber = false
        }
        return nil
    }

    /// statm's first field (the process's size) is not 0: a zombie's is
    /// (it has exited; its parent has not reaped it yet).
    static func hasPages(_ statm: [UInt8]) -> Bool { statm.first.map { $0 != UInt8(ascii: "0") } ?? false }

    public static func parseRssAnon(_ text: String) -> UInt64? { parseRssAnon(Array(text.utf8)) }

    /// RssAnon from /proc/PID/status (kernel 4.5+): resident anonymous pages.
    public static func parseRssAnon(_ bytes: [UInt8]) -> UInt64? {
        var found: UInt64?
        forEachField(bytes, separator: UInt8(ascii: ":")) { key in if key.is("RssAnon") { found = key.value } }
        return found
    }

    /// The parent pid from /proc/PID/stat; the command name may hold spaces
    /// and parentheses, so fields are counted after the last ')'.
    public static func parseParentPid(_ stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 2 else { return nil }
        return Int32(fields[1])
    }

    /// Children through /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN,
    /// on in Debian's kernels): a few small reads instead of a scan of every
    /// process. Falls back to the scan where the file does not exist.
    static func descendants(of pid: Int32, root: HostRoot) -> [Int32] {
        // The main thread's file is read first: it says whether the kernel
        // has these files at all, and it is one of the files read anyway.
        if let mainChildren = root.readBytes("/proc/\(pid)/task/\(pid)/children", mayBeEmpty: true) {
            var out: [Int32] = []
            var queue: [Int32] = []
            func take(_ bytes: [UInt8]) {
                for child in bytes.split(separator: UInt8(ascii: " ")) {
                    if let c = parsePid(child) { out.append(c); queue.append(c) }
                }
            }
            func takeThreads(of p: Int32, except read: String? = nil) {
                for tid in root.names("/proc/\(p)/task") ?? [] where tid != read {
                    if let bytes = root.readBytes("/proc/\(p)/task/\(tid)/children", mayBeEmpty: true) { take(bytes) }
                }
            }
            take(mainChildren)
            takeThreads(of: pid, except: String(pid))
            while let p = queue.popLast() { takeThreads(of: p) }
            return out
        }
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
