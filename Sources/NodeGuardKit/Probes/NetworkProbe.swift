// Interface traffic counters, the boot id and the interfaces that carry the
// default route: what bandwidth accounting reads each cycle.
#if canImport(Glibc)
import Glibc
#endif

public enum NetworkProbe {
    /// rx and tx bytes per interface from /proc/net/dev ("  eth0: rx_bytes
    /// rx_packets ... (8 fields) tx_bytes ..."): one read for all interfaces.
    public static func parseNetDev(_ bytes: [UInt8]) -> [(name: String, rx: UInt64, tx: UInt64)] {
        var out: [(String, UInt64, UInt64)] = []
        let n = bytes.count
        var i = 0
        while i < n {
            // One line: blanks, name, ':', then 16 numbers.
            var lineEnd = i
            while lineEnd < n, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var j = i
            while j < lineEnd, bytes[j] == UInt8(ascii: " ") { j += 1 }
            let nameStart = j
            while j < lineEnd, bytes[j] != UInt8(ascii: ":") { j += 1 }
            if j < lineEnd {
                let name = String(decoding: bytes[nameStart..<j], as: UTF8.self)
                j += 1
                var field = 0, rx: UInt64 = 0, tx: UInt64 = 0
                while j < lineEnd && field <= 8 {
                    while j < lineEnd, bytes[j] == UInt8(ascii: " ") { j += 1 }
                    var v: UInt64 = 0, digits = 0
                    while j < lineEnd, bytes[j] >= 0x30, bytes[j] <= 0x39 { v = v &* 10 &+ UInt64(bytes[j] - 0x30); j += 1; digits += 1 }
                    if digits == 0 { break }
                    if field == 0 { rx = v } else if field == 8 { tx = v }
                    field += 1
                }
                if field > 8 { out.append((name, rx, tx)) }
            }
            i = lineEnd + 1
        }
        return out
    }

    /// Interfaces with a default route, IPv4 (/proc/net/route) and IPv6
    /// (/proc/net/ipv6_route). Container bridges and veths never carry the
    /// host's default route, so container traffic is counted once, where it
    /// leaves the host.
    public static func parseDefaultRoutes(ipv4: String?, ipv6: String?) -> [String] {
        var names: [String] = []
        for line in (ipv4 ?? "").split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
            if f.count >= 8, f[1] == "00000000", f[7] == "00000000" { names.append(String(f[0])) }
        }
        for line in (ipv6 ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            // dest dest_len src src_len next_hop metric refcnt use flags iface
            if f.count >= 10, f[0] == "00000000000000000000000000000000", f[1] == "00" {
                names.append(String(f[9]))
            }
        }
        var unique: [String] = []
        for n in names where n != "lo" && !unique.contains(n) { unique.append(n) }
        return unique
    }

    public static func bootID(_ root: HostRoot) -> String? {
        root.read("/proc/sys/kernel/random/boot_id").map { $0.trimmingBlanks().filter { $0 != "\n" } }
    }

    public static func boottime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_BOOTTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// What does not change from one cycle to the next: the boot id (a reboot
    /// restarts the daemon), the default-route interfaces, each interface's
    /// ifindex and link speed. Re-read every minute, and at once when an
    /// interface was missing or a counter went backwards (re-created).
    public final class Cache {
        var bootID: String?
        var names: [String] = []
        var namesReadAt = -Double.infinity
        var meta: [String: (ifindex: Int, speed: Double?)] = [:]
        var metaReadAt = -Double.infinity
        var last: [String: (rx: UInt64, tx: UInt64)] = [:]
        public init() {}
    }

    /// Which interfaces to count: the configured ones, or those carrying the default route.
    public static func countedInterfaces(configured: [String], root: HostRoot, cache: Cache? = nil, now: Double = 0) -> Result<[String], ProbeError> {
        if !configured.isEmpty { return .success(configured) }
        if let c = cache, !c.names.isEmpty, now - c.namesReadAt < 60 { return .success(c.names) }
        let names = parseDefaultRoutes(ipv4: root.read("/proc/net/route"), ipv6: root.read("/proc/net/ipv6_route"))
        guard !names.isEmpty else {
            return .failure(ProbeError("no interface carries a default route (\(root.path("/proc/net/route"))); list the ones to count in [bandwidth] interfaces"))
        }
        cache?.names = names
        cache?.namesReadAt = now
        return .success(names)
    }

    public static func read(interfaces wanted: [String], root: HostRoot, now: Now, cache: Cache = Cache()) -> Result<NetworkSample, ProbeError> {
        if cache.bootID == nil { cache.bootID = bootID(root) }
        guard let boot = cache.bootID, !boot.isEmpty else {
            return .failure(ProbeError("cannot read \(root.path("/proc/sys/kernel/random/boot_id")); is /proc mounted?"))
        }
        guard let dev = root.readBytes("/proc/net/dev") else {
            return .failure(ProbeError("cannot read \(root.path("/proc/net/dev")); is /proc mounted?"))
        }
        let all = parseNetDev(dev)
        var refresh = now.monotonic - cache.metaReadAt >= 60
        for name in wanted {
            guard let c = all.first(where: { $0.name == name }) else { refresh = true; continue }
            if let l = cache.last[name], c.rx < l.rx || c.tx < l.tx { refresh = true }
            if cache.meta[name] == nil { refresh = true }
        }
        if refresh {
            cache.meta = [:]
            for name in wanted where all.contains(where: { $0.name == name }) {
                let index = root.read("/sys/class/net/\(name)/ifindex").flatMap { Int($0.trimmingBlanks().filter { $0 != "\n" }) } ?? 0
                let mbit = root.read("/sys/class/net/\(name)/speed").flatMap { Double($0.filter { $0 != "\n" }) }
                cache.meta[name] = (index, mbit.flatMap { $0 > 0 ? $0 * 125_000 : nil })
            }
            cache.metaReadAt = now.monotonic
        }
        var counters: [InterfaceCounters] = []
        var speeds: [String: Double] = [:]
        cache.last = [:]
        for name in wanted {
            // A vanished interface is simply absent: its last counters stay in the ledger.
            guard let c = all.first(where: { $0.name == name }), let m = cache.meta[name] else { continue }
            counters.append(InterfaceCounters(name: name, ifindex: m.ifindex, rx: c.rx, tx: c.tx))
            if let sp = m.speed { speeds[name] = sp }
            cache.last[name] = (c.rx, c.tx)
        }
        return .success(NetworkSample(bootID: boot, boottime: NetworkProbe.boottime(), wall: now.wall, interfaces: counters, linkBytesPerSecond: speeds))
    }
}
