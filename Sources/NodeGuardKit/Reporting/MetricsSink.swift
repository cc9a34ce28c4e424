// [metrics] textfile: each cycle's readings and the counters, in
// Prometheus's text format, for node_exporter's textfile collector. The file
// is written to NAME.prom.tmp and renamed, so a scrape never reads half of
// it. The counters are kept whether or not the textfile is on, and saved
// durably whenever one moves (rarely: a restart, a prune, a vacuum).
#if canImport(Glibc)
import Glibc
#endif

public final class MetricsSink: Sink {
    private(set) var config: Config
    private(set) var counters: Counters
    let emit: (Event) -> Void
    /// The checks whose restart reasons and counters are written.
    let registry: CheckRegistry
    private var writeProblem: Int32 = 0
    private var saveProblemLogged = false
    /// The counters as text: they change on a restart or a prune, not each cycle.
    private var countersText: [UInt8]?

    public init(config: Config, registry: CheckRegistry = .standard, emit: @escaping (Event) -> Void) {
        self.config = config
        self.registry = registry
        self.emit = emit
        counters = FileIO.readText(Self.countersFile(config)).map { Counters(parsing: $0, registry) } ?? Counters()
    }

    static func countersFile(_ c: Config) -> String { c.stateDirectory + "/counters" }

    public func update(_ new: Config) {
        let old = config.metrics.textfile
        config = new
        countersText = nil   // the nodes and their reasons may have changed
        // A file nobody writes any more would be scraped as current.
        if !old.isEmpty && old != new.metrics.textfile { unlink(old); writeProblem = 0 }
    }

    public func publish(_ report: CycleReport) {
        if counters.add(report.tallies) { saveCounters(); countersText = nil }
        guard !config.metrics.textfile.isEmpty else { return }
        write(text(report))
    }

    /// The cycle's gauges, then the counters (made again only when they moved).
    func text(_ report: CycleReport) -> [UInt8] {
        if countersText == nil { countersText = Exposition.bytes(counters.families(config, registry)) }
        var out = MetricFamilies.gauges(report.readings, cycleEnded: report.now.wall,
                                        cycleCPUSeconds: report.view.cycleCPUMicroseconds / 1_000_000, version: NodeGuardVersion.string)
        out += countersText ?? []
        return out
    }

    private func saveCounters() {
        FileIO.makeDirectories(config.stateDirectory, mode: 0o755)
        let rc = FileIO.writeAtomically(Self.countersFile(config), counters.serialized, durable: true, mode: 0o644)
        if rc != 0 && !saveProblemLogged {
            emit(Event(.probeFailed, "cannot save the metric counters in \(Self.countersFile(config)): \(FileIO.errorText(rc)); after a restart of nodeguard they start again from 0. Check state_directory",
                       fields: [("CHECK", EventNames.metrics.name), ("TARGET", Self.countersFile(config))]))
        }
        saveProblemLogged = rc != 0
    }

    /// A failure is said once (again only when it changes), its end once.
    private func write(_ text: [UInt8]) {
        let path = config.metrics.textfile
        let rc = FileIO.writeAtomically(path, text, durable: false, mode: 0o644)
        guard rc != writeProblem else { return }
        let fields: [(String, String)] = [("CHECK", EventNames.metrics.name), ("TARGET", path)]
        if rc != 0 {
            emit(Event(.probeFailed, "cannot write the metrics textfile \(path): \(FileIO.errorText(rc)); Prometheus sees no current figures of this host. \(Self.advice(rc, path))",
                       fields: fields))
        } else {
            emit(Event(.recovered, "the metrics textfile \(path) is written again", fields: fields))
        }
        writeProblem = rc
    }

    static func advice(_ rc: Int32, _ path: String) -> String {
        let dir = FileIO.directory(of: path)
        switch rc {
        case ENOENT: return "Its directory \(dir) does not exist: install prometheus-node-exporter, or point metrics.textfile at its --collector.textfile.directory"
        // ProtectSystem=strict: a directory made after nodeguard started
        // is read-only to it, even one its ReadWritePaths= names.
        case EROFS, EACCES, EPERM: return "nodeguard may not write to \(dir): if the directory was made after nodeguard started (prometheus-node-exporter installed since), run `systemctl restart nodeguard`; otherwise add ReadWritePaths=\(dir) with `systemctl edit nodeguard`"
        default: return "Check metrics.textfile"
        }
    }
}
