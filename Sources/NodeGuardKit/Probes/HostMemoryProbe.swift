// Host memory: /proc/meminfo and, where the kernel has it, PSI.

public struct HostMemory: Equatable, Sendable {
    public var total: UInt64
    public var available: UInt64
    /// True on kernels before 3.14, which have no MemAvailable: then it is estimated.
    public var availableEstimated: Bool
    public var swapTotal: UInt64
    public var swapFree: UInt64
    /// PSI memory pressure, avg10 in percent; nil without /proc/pressure.
    public var pressureSome10: Double?
    public var pressureFull10: Double?
}

public enum HostMemoryProbe {
    public static func read(_ root: HostRoot) -> Result<HostMemory, ProbeError> {
        guard let text = root.read("/proc/meminfo") else {
            return .failure(ProbeError("cannot read \(root.path("/proc/meminfo")); is /proc mounted?"))
        }
        guard var mem = parseMeminfo(text) else {
            return .failure(ProbeError("\(root.path("/proc/meminfo")) has no MemTotal; this does not look like Linux's meminfo"))
        }
        if let psi = root.read("/proc/pressure/memory"), let p = parsePressure(psi) {
            mem.pressureSome10 = p.some
            mem.pressureFull10 = p.full
        }
        return .success(mem)
    }

    public static func parseMeminfo(_ text: String) -> HostMemory? {
        var f: [Substring: UInt64] = [:]
        for line in text.split(separator: "\n") {
            if let (k, v) = kilobyteField(line) { f[k] = v }
        }
        guard let total = f["MemTotal"] else { return nil }
        var available = f["MemAvailable"]
        let estimated = available == nil
        if available == nil {
            // The pre-3.14 estimate (as procps did): free memory plus the page
            // cache and slab the kernel can reclaim. Shmem is in Cached but
            // not reclaimable, so the file LRU lists are used instead.
            let free = f["MemFree"] ?? 0
            let file = (f["Active(file)"] ?? 0) + (f["Inactive(file)"] ?? 0)
            available = free + file + (f["SReclaimable"] ?? 0)
        }
        return HostMemory(total: total, available: min(available ?? 0, total), availableEstimated: estimated,
                          swapTotal: f["SwapTotal"] ?? 0, swapFree: f["SwapFree"] ?? 0,
                          pressureSome10: nil, pressureFull10: nil)
    }

    /// "some avg10=1.23 avg60=... total=..." / "full avg10=..." -> (some, full).
    public static func parsePressure(_ text: String) -> (some: Double, full: Double?)? {
        var some: Double?, full: Double?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let kind = words.first, let avg = words.first(where: { $0.hasPrefix("avg10=") }),
                  let v = Double(avg.dropFirst(6)) else { continue }
            if kind == "some" { some = v } else if kind == "full" { full = v }
        }
        guard let s = some else { return nil }
        return (s, full)
    }
}
