// Turns a TOML document into a Config, collecting every error with its
// position, in the `PATH:LINE:COL: message` form editors and `config check` use.
#if canImport(Glibc)
import Glibc
#endif
import TOML

public struct ConfigProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var position: SourcePosition?
    public var message: String

    /// One line whatever the file held: control characters are escaped.
    public var description: String {
        let where_ = position.map { "\(Printable.escaped(path)):\($0.line):\($0.column)" } ?? Printable.escaped(path)
        return "\(where_): \(Printable.escaped(message))"
    }
}

/// Every problem found in one config file.
public struct ConfigErrors: Error, Equatable, Sendable {
    public var problems: [ConfigProblem]
    public init(_ problems: [ConfigProblem]) { self.problems = problems }
    public var lines: [String] { problems.map(\.description) }
}

public enum ConfigLoader {
    /// Decodes config text. All problems are returned, in file order.
    public static func decode(_ text: String, path: String) -> Result<Config, ConfigErrors> {
        decode(bytes: Array(text.utf8), path: path)
    }

    public static func decode(bytes: [UInt8], path: String) -> Result<Config, ConfigErrors> {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(bytes: bytes)
        } catch {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: error.position, message: error.message)]))
        }
        var reader = TableReader(path: path)
        reader.read(document)
        guard reader.problems.isEmpty else { return .failure(ConfigErrors(inFileOrder(reader.problems))) }
        var config = reader.config
        var problems: [ConfigProblem] = []
        let setAt = reader.setAt
        func problem(_ pos: SourcePosition, _ msg: String) {
            problems.append(ConfigProblem(path: path, position: pos, message: msg))
        }

        // Rules that relate keys to each other; reported where the user wrote one of them.
        func at(_ names: String...) -> SourcePosition {
            for n in names { if let p = setAt[n] { return p } }
            return SourcePosition(line: 1, column: 1)
        }
        if config.memory.forCycles > 0 {
            if setAt["memory.for"] != nil {
                problem(at("memory.for_cycles"), "memory: set either `for` or `for_cycles`, not both")
            }
            config.memory.sustained = Double(config.memory.forCycles) * config.interval
        }
        let n = config.node, m = config.memory, d = config.disk
        if [n.unit, n.pidfile, n.container].compactMap({ $0 }).count > 1 {
            problem(at("node.container", "node.pidfile", "node.unit"), "node: set one of `unit`, `container` or `pidfile`, not several")
        }
        if n.pidfile != nil && n.restartCommand.isEmpty {
            problem(at("node.pidfile"), "node.pidfile: a node found by pidfile needs `restart_command` (an argv) to be restarted")
        }
        if n.restartUnhealthyAfter > 0 && n.container == nil {
            problem(at("node.restart_unhealthy_after"), "node.restart_unhealthy_after watches a Docker HEALTHCHECK; set [node] container")
        }
        if !n.restartCommand.isEmpty && !n.isConfigured {
            problem(at("node.restart_command"), "node.restart_command: set `unit`, `container` or `pidfile` too, so nodeguard knows whose memory to watch")
        }
        if comparable(m.warnAbove, m.restartAbove), !less(m.warnAbove, m.restartAbove) {
            problem(at("memory.warn_above", "memory.restart_above"), "memory.warn_above (\(m.warnAbove)) must be below restart_above (\(m.restartAbove))")
        }
        if comparable(m.hostAvailableBelow, m.hostAvailableWarnBelow), !less(m.hostAvailableBelow, m.hostAvailableWarnBelow) {
            problem(at("memory.host_available_warn_below", "memory.host_available_below"),
                    "memory.host_available_warn_below (\(m.hostAvailableWarnBelow)) must be above host_available_below (\(m.hostAvailableBelow))")
        }
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
        if (b.action == .stopNode || b.action == .restartNode) && !n.isConfigured {
            problem(at("bandwidth.action"), "bandwidth.action = \"\(b.action)\" needs a [node] (unit, container or pidfile)")
        }
        if b.action == .stopNode && n.unit == nil {
            problem(at("bandwidth.action"), "bandwidth.action = \"stop-node\" stops a systemd unit; set [node] unit, or give a command array")
        }
        if b.action != .none && b.quota == 0 {
            problem(at("bandwidth.action"), "bandwidth.action needs a quota; set bandwidth.quota, such as \"2TB\"")
        }
        if d.paths.isEmpty {
            problem(at("disk.paths"), "disk.paths: list at least one mount point, such as [\"/\"]")
        }
        return problems.isEmpty ? .success(config) : .failure(ConfigErrors(inFileOrder(problems)))
    }

    static func inFileOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        let start = SourcePosition(line: 0, column: 0)
        return problems.sorted { $0.position ?? start < $1.position ?? start }
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

    /// Outcome of reading the config file from disk.
    public enum Loaded {
        case file(Config)
        /// No file at the default path: run on the embedded defaults.
        case defaults(Config)
    }

    /// Reads, checks ownership and decodes. `required` is set when the path was
    /// given explicitly: then a missing file is an error, not the defaults.
    public static func load(path: String, required: Bool) -> Result<Loaded, ConfigErrors> {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            if err == ENOENT && !required { return .success(Loaded.defaults(Config())) }
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: "cannot read the config file: \(String(cString: strerror(err)))\(err == ENOENT ? "; create it or pass --config PATH" : "")")]))
        }
        if let why = unsafeOwnership(st) {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: why)]))
        }
        // One byte past the limit is enough to refuse an oversized file whole.
        guard let bytes = FileIO.readBytes(path, limit: TOMLParser.maxBytes + 1) else {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: "cannot read the config file: \(String(cString: strerror(errno)))")]))
        }
        return decode(bytes: bytes, path: path).map { Loaded.file($0) }
    }

    /// The config names units to restart and commands to run as root, so
    /// only root (or the user nodeguard runs as) may be able to change it.
    static func unsafeOwnership(_ st: stat) -> String? {
        let me = geteuid()
        let mode = st.st_mode
        if st.st_uid != 0 && st.st_uid != me {
            return "refusing a config file owned by uid \(st.st_uid): it names commands nodeguard runs as root; run `chown root:root` on it"
        }
        if mode & S_IWOTH != 0 {
            return "refusing a config file writable by other users: it names commands nodeguard runs as root; run `chmod o-w` on it"
        }
        if mode & S_IWGRP != 0 && st.st_gid != 0 {
            return "refusing a config file writable by group \(st.st_gid): it names commands nodeguard runs as root; run `chmod g-w` on it"
        }
        return nil
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[rest.startIndex..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
