/// Where probes find /proc and /sys: "/" on a host, a fixture tree in tests
/// (like node_exporter's --path.procfs and --path.sysfs).
public struct HostRoot: Sendable, Equatable {
    public var root: String
    public init(_ root: String = "/") {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }
    public func path(_ absolute: String) -> String {
        root == "/" ? absolute : root + absolute
    }
    public func read(_ absolute: String) -> String? { FileIO.readText(path(absolute)) }
}

public struct ProbeError: Error, Equatable, Sendable {
    /// A sentence naming the path or target and what to do.
    public var message: String
    /// The node's process is not there (unit inactive, container exited,
    /// pidfile process gone): a reading of its own, not a failure to read.
    public var notRunning: Bool
    /// The Docker socket this failure could not reach: the docker check says
    /// it once for every node behind that socket.
    public var dockerUnreachable: String?
    public init(_ message: String, notRunning: Bool = false, dockerUnreachable: String? = nil) {
        self.message = message; self.notRunning = notRunning; self.dockerUnreachable = dockerUnreachable
    }
}

// Byte-level parsing of /proc and cgroup files. Character-level String
// processing cost ~20x more CPU per cycle (grapheme breaking, index
// validation), and these files are ASCII by definition.

/// Calls `body` with each "Key: 1234 kB" (/proc/meminfo, /proc/PID/status) or
/// "key 1234" (memory.stat) line's key and value; "kB" values are turned into
/// bytes. Lines whose value is not a number are skipped.
func forEachNumericField(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>, UInt64) -> Void) {
    let n = bytes.count
    var i = 0
    while i < n {
        let keyStart = i
        while i < n, bytes[i] != UInt8(ascii: ":"), bytes[i] != UInt8(ascii: " "), bytes[i] != UInt8(ascii: "\n") { i += 1 }
        let keyEnd = i
        while i < n, bytes[i] == UInt8(ascii: ":") || bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
        var value: UInt64 = 0
        var digits = 0
        while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            value = value &* 10 &+ UInt64(bytes[i] - 0x30)
            digits += 1
            i += 1
        }
        if i + 2 < n, bytes[i] == UInt8(ascii: " "), bytes[i + 1] == UInt8(ascii: "k"), bytes[i + 2] == UInt8(ascii: "B") {
            value = value &* 1024
        }
        while i < n, bytes[i] != UInt8(ascii: "\n") { i += 1 }
        i += 1
        if digits > 0 && keyEnd > keyStart { body(bytes[keyStart..<keyEnd], value) }
    }
}

extension ArraySlice where Element == UInt8 {
    @inline(__always)
    func equals(_ other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        var j = startIndex
        for b in other { if self[j] != b { return false }; j += 1 }
        return true
    }
}

extension HostRoot {
    /// On the host, /proc and cgroup files are kept open between cycles (see
    /// KeptOpen); fixture trees are plain files and are opened each time.
    public func readBytes(_ absolute: String, mayBeEmpty: Bool = false) -> [UInt8]? {
        root == "/" && (absolute.hasPrefix("/proc/") || absolute.hasPrefix("/sys/fs/cgroup/"))
            ? KeptOpen.readBytes(absolute, mayBeEmpty: mayBeEmpty) : FileIO.readBytes(path(absolute))
    }

    /// A /proc directory's names, kept open on the host; nil when it cannot be opened.
    public func names(_ absolute: String) -> [String]? {
        if root == "/" && absolute.hasPrefix("/proc/") { return KeptOpen.names(absolute) }
        let p = path(absolute)
        return FileIO.isDirectory(p) ? FileIO.list(p) : nil
    }
}
