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
        guard let bytes = root.readBytes("/proc/meminfo") else {
            return .failure(ProbeError("cannot read \(root.path("/proc/meminfo")); is /proc mounted?"))
        }
        guard var mem = parseMeminfo(bytes) else {
            return .failure(ProbeError("\(root.path("/proc/meminfo")) has no MemTotal; this does not look like Linux's meminfo"))
        }
        if let psi = root.readBytes("/proc/pressure/memory"), let p = parsePressure(psi) {
            mem.pressureSome10 = p.some
            mem.pressureFull10 = p.full
        }
        return .success(mem)
    }

    static let avg10 = Array("avg10=".utf8)

    public static func parseMeminfo(_ text: String) -> HostMemory? { parseMeminfo(Array(text.utf8)) }

    public static func parseMeminfo(_ bytes: [UInt8]) -> HostMemory? {
        var total: UInt64?, available: UInt64?
        var free: UInt64 = 0, file: UInt64 = 0, reclaimable: UInt64 = 0, swapT: UInt64 = 0, swapF: UInt64 = 0
        forEachField(bytes, separator: UInt8(ascii: ":")) { key in
            // Every key wanted starts with M, A, I or S: most lines stop here.
            let f = key.first
            guard f == UInt8(ascii: "M") || f == UInt8(ascii: "A") || f == UInt8(ascii: "I") || f == UInt8(ascii: "S") else { return }
            if key.is("MemTotal") { total = key.value }
            else if key.is("MemAvailable") { available = key.value }
            else if key.is("MemFree") { free = key.value ?? 0 }
            else if key.is("Active(file)") || key.is("Inactive(file)") { file += key.value ?? 0 }
            else if key.is("SReclaimable") { reclaimable = key.value ?? 0 }
            else if key.is("SwapTotal") { swapT = key.value ?? 0 }
            else if key.is("SwapFree") { swapF = key.value ?? 0 }
        }
        guard let total else { return nil }
        let estimated = available == nil
        // Without MemAvailable (kernels before 3.14), the estimate procps used:
        // free memory plus the page cache and slab the kernel can reclaim.
        // Shmem is in Cached but not reclaimable, so the file LRU lists are used.
        let avail = available ?? (free + file + reclaimable)
        return HostMemory(total: total, available: min(avail, total), availableEstimated: estimated,
                          swapTotal: swapT, swapFree: swapF, pressureSome10: nil, pressureFull10: nil)
    }

    public static func parsePressure(_ text: String) -> (some: Double, full: Double?)? { parsePressure(Array(text.utf8)) }

    /// "some avg10=1.23 avg60=... total=..." / "full avg10=..." -> (some, full).
    public static func parsePressure(_ b: [UInt8]) -> (some: Double, full: Double?)? {
        var some: Double?, full: Double?
        var i = 0
        while i < b.count {
            let lineStart = i
            while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }
            let line = b[lineStart..<i]
            i += 1
            guard let first = line.first else { continue }
            // The "avg10=" field; a plain scan, the generic firstRange(of:) costs ~10x.
            var k = line.startIndex
            var valueStart: Int? = nil
            while k + avg10.count <= line.endIndex {
                if line[k] == avg10[0] && line[k..<k + avg10.count].elementsEqual(avg10) { valueStart = k + avg10.count; break }
                k += 1
            }
            guard let from = valueStart else { continue }
            var j = from
            while j < line.endIndex, (line[j] >= 0x30 && line[j] <= 0x39) || line[j] == UInt8(ascii: ".") { j += 1 }
            guard let v = Double(String(decoding: line[from..<j], as: UTF8.self)) else { continue }
            if first == UInt8(ascii: "s") { some = v } else if first == UInt8(ascii: "f") { full = v }
        }
        guard let s = some else { return nil }
        return (s, full)
    }
}
