// A cycle's readings as Prometheus gauges, in base units (bytes, seconds,
// ratios 0-1), named by Prometheus's conventions: each reading's kind says
// which gauges it gives (ReadingKind.samples); every reading also gives its
// check's state. Pure: the metrics sink writes the bytes to node_exporter's
// textfile directory, with the counters (Counters) after them. This runs
// every cycle, so each reading becomes a few small samples and the text is
// written straight to bytes, with no families of strings built first
// (bench/README.md).

public enum MetricFamilies {
    static let checkState = Gauge("nodeguard_check_state", help: "A check's state: 0 ok, 1 warning, 2 critical, 3 error (cannot read).",
                                  labels: ["check", "target", "node"])
    static let lastCycle = Gauge("nodeguard_last_cycle_timestamp_seconds",
                                 help: "When nodeguard's last check cycle ended (Unix time); old means nodeguard or its host is stuck or down.")
    static let cycleCPU = Gauge("nodeguard_cycle_cpu_seconds", help: "CPU time of nodeguard's last check cycles (moving average).")
    static let buildInfo = Gauge("nodeguard_build_info", help: "nodeguard's version, as a label; always 1.", labels: ["version"])

    /// nodeguard's own families, beside those the checks declare.
    public static let own = [checkState, lastCycle, cycleCPU, buildInfo]

    /// What the cycle's readings say, and nodeguard's own figures, as text.
    public static func gauges(_ readings: [Reading], cycleEnded wall: Double, cycleCPUSeconds: Double, version: String) -> [UInt8] {
        var out = GaugeSamples()
        out.samples.reserveCapacity(readings.count * 3 + 3)
        // Two disks of one path are two readings but one series: Prometheus
        // refuses a whole file that has a series twice.
        var seen = Set<ReadingKey>()
        for r in readings where seen.insert(ReadingKey(kind: ObjectIdentifier(r.kind), target: r.target, node: r.node)).inserted {
            out.add(checkState, stateNumber(r.state), ("check", r.check), ("target", r.target), r.node.map { ("node", $0) })
            r.kind.samples?(r, &out)
        }
        out.add(lastCycle, wall)
        out.add(cycleCPU, (cycleCPUSeconds * 1e6).rounded() / 1e6)
        out.add(buildInfo, 1, ("version", version))
        return render(out.samples)
    }

    struct ReadingKey: Hashable { var kind: ObjectIdentifier; var target: String; var node: String? }

    /// Family after family, in the order each first gave a sample.
    static func render(_ samples: [GaugeSamples.Sample]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        // The gauges alone, to look through once a family: a Sample copied
        // out for each comparison (its labels retained and released) cost
        // more than writing the file.
        var ids: [ObjectIdentifier] = []
        ids.reserveCapacity(samples.count)
        for s in samples { ids.append(ObjectIdentifier(s.gauge)) }
        samples.withUnsafeBufferPointer { all in
            for first in ids.indices where !ids[..<first].contains(ids[first]) {
                out += all[first].gauge.header
                for i in first..<ids.count where ids[i] == ids[first] { line(all[i], into: &out) }
            }
        }
        return out
    }

    static func line(_ s: GaugeSamples.Sample, into out: inout [UInt8]) {
        Exposition.append(s.gauge.name, &out)
        var open = false
        func label(_ l: GaugeSamples.Label?) {
            guard let l else { return }
            Exposition.label(l.name, l.value, first: !open, into: &out)
            open = true
        }
        label(s.labels.0); label(s.labels.1); label(s.labels.2)
        if open { out.append(UInt8(ascii: "}")) }
        out.append(0x20)
        Exposition.format(s.value, into: &out)
        out.append(0x0A)
    }

    static func stateNumber(_ s: CheckState) -> Double {
        switch s { case .ok: return 0; case .warning: return 1; case .critical: return 2; case .error: return 3 }
    }
}
