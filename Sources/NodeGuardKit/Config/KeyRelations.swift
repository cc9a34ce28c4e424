// Rules that relate keys to each other, checked once every key has been read;
// each is reported where the user wrote one of the keys it names.
import TOML

extension TableReader {
    mutating func relateKeys() {
        relateNodeAndMemory()
        relateDiskAndBandwidth()
        relateHeartbeat()
    }

    /// Where the first of `names` was set; 1:1 when all are defaults.
    func at(_ names: String...) -> SourcePosition {
        if names.contains(where: failed.contains) { return Self.notJudged }
        for n in names { if let p = setAt[n] { return p } }
        return SourcePosition(line: 1, column: 1)
    }

    mutating func relateNodeAndMemory() {
        if config.memory.forCycles > 0 {
            if setAt["memory.for"] != nil {
                problem(at("memory.for_cycles"), "memory: set either `for` or `for_cycles`, not both")
            }
            config.memory.sustained = Double(config.memory.forCycles) * config.interval
        }
        let m = config.memory
        for i in config.nodes.indices { relate(node: i) }
        if let legacy = unconfiguredNode { relateUnconfigured(legacy) }
        relateNodesToEachOther()
        relateReferences()
        relateProducers()
        if !Self.comparable(m.warnAbove, m.restartAbove) {
            let warnOrigin = setAt["memory.warn_above"] == nil ? " by default" : ""
            let restartOrigin = setAt["memory.restart_above"] == nil ? " by default" : ""
            onThisHost(warn: ("memory.warn_above", m.warnAbove, warnOrigin),
                       below: ("restart_above", m.restartAbove, restartOrigin), at: at("memory.warn_above", "memory.restart_above"))
        } else if !Self.less(m.warnAbove, m.restartAbove) {
            problem(at("memory.warn_above", "memory.restart_above"), "memory.warn_above (\(m.warnAbove)) must be below restart_above (\(m.restartAbove))")
        }
        if Self.comparable(m.hostAvailableBelow, m.hostAvailableWarnBelow), !Self.less(m.hostAvailableBelow, m.hostAvailableWarnBelow) {
            problem(at("memory.host_available_warn_below", "memory.host_available_below"),
                "memory.host_available_warn_below (\(m.hostAvailableWarnBelow)) must be above host_available_below (\(m.hostAvailableBelow))")
        }
    }

    mutating func relateDiskAndBandwidth() {
        let d = config.disk
        if d.criticalFreeBelow >= d.warnFreeBelow && d.warnFreeBelow > 0 {
            problem(at("disk.critical_free_below", "disk.warn_free_below"), "disk.critical_free_below (\(Share.format(d.criticalFreeBelow))) must be below warn_free_below (\(Share.format(d.warnFreeBelow)))")
        }
        if d.criticalFreeBytesBelow >= d.warnFreeBytesBelow && d.warnFreeBytesBelow > 0 {
            problem(at("disk.critical_free_bytes_below", "disk.warn_free_bytes_below"), "disk.critical_free_bytes_below must be below warn_free_bytes_below")
        }
        if d.criticalInodesFreeBelow >= d.warnInodesFreeBelow && d.warnInodesFreeBelow > 0 {
            problem(at("disk.critical_inodes_free_below", "disk.warn_inodes_free_below"), "disk.critical_inodes_free_below must be below warn_inodes_free_below")
        }
        let b = config.bandwidth
        if b.quota > 0 && b.warnAt >= b.actionAt {
            problem(at("bandwidth.warn_at", "bandwidth.action_at"), "bandwidth.warn_at (\(Share.format(b.warnAt))) must be below action_at (\(Share.format(b.actionAt)))")
        }
        relateOperatorAction()
        if b.action != .none && b.quota == 0 {
            problem(at("bandwidth.action"), "bandwidth.action needs a quota; set bandwidth.quota, such as \"2TB\"")
        }
        if d.paths.isEmpty {
            problem(at("disk.paths"), "disk.paths: list at least one mount point, such as [\"/\"]")
        }
    }

    static func comparable(_ a: Amount, _ b: Amount) -> Bool {
        switch (a, b) {
        case (.bytes, .bytes), (.share, .share): return true
        default: return false
        }
    }
    static func less(_ a: Amount, _ b: Amount) -> Bool {
        switch (a, b) {
        case (.bytes(let x), .bytes(let y)): return x < y
        case (.share(let x), .share(let y)): return x < y
        default: return true
        }
    }
}
