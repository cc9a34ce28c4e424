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
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).trimmingBlanks()
            let fields = line[(colon + 1)...].split(separator: UInt8(ascii: " "))
            guard fields.count >= 9, let rx = UInt64(String(decoding: fields[0], as: UTF8.self)),
                  let tx = UInt64(String(decoding: fields[8], as: UTF8.self)) else { continue }
            out.append((name, rx, tx))
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

    /// Which interfaces to count: the configured ones, or those carrying the default route.
    public static func countedInterfaces(configured: [String], root: HostRoot) -> Result<[String], ProbeError> {
        if !configured.isEmpty { return .success(configured) }
        let names = parseDefaultRoutes(ipv4: root.read("/proc/net/route"), ipv6: root.read("/proc/net/ipv6_route"))
        guard !names.isEmpty else {
            return .failure(ProbeError("no interface carries a default route (\(root.path("/proc/net/route"))); list the ones to count in [bandwidth] interfaces"))
        }
        return .success(names)
    }

    public static func read(interfaces wanted: [String], root: HostRoot, now: Now) -> Result<NetworkSample, ProbeError> {
        guard let boot = bootID(root), !boot.isEmpty else {
            return .failure(ProbeError("cannot read \(root.path("/proc/sys/kernel/random/boot_id")); is /proc mounted?"))
        }
        guard let dev = root.readBytes("/proc/net/dev") else {
            return .failure(ProbeError("cannot read \(root.path("/proc/net/dev")); is /proc mounted?"))
        }
        let all = parseNetDev(dev)
        var counters: [InterfaceCounters] = []
        var speeds: [String: Double] = [:]
        for name in wanted {
            // A vanished interface is simply absent: its last counters stay in the ledger.
            guard let c = all.first(where: { $0.name == name }) else { continue }
            let index = root.read("/sys/class/net/\(name)/ifindex").flatMap { Int($0.trimmingBlanks().filter { $0 != "\n" }) } ?? 0
            counters.append(InterfaceCounters(name: name, ifindex: index, rx: c.rx, tx: c.tx))
            if let mbit = root.read("/sys/class/net/\(name)/speed").flatMap({ Double($0.filter { $0 != "\n" }) }), mbit > 0 {
                speeds[name] = mbit * 125_000
            }
        }
        return .success(NetworkSample(bootID: boot, boottime: NetworkProbe.boottime(), wall: now.wall, interfaces: counters, linkBytesPerSecond: speeds))
    }
}
