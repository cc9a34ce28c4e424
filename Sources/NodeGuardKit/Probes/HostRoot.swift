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
    public init(_ message: String) { self.message = message }
}

/// "Key:   1234 kB" lines, as in /proc/meminfo and /proc/PID/status.
/// Returns bytes; values without "kB" are taken as they are.
func kilobyteField(_ line: Substring) -> (Substring, UInt64)? {
    guard let colon = line.firstIndex(of: ":") else { return nil }
    let key = line[line.startIndex..<colon]
    var rest = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
    var kb = false
    if rest.hasSuffix(" kB") { rest = rest.dropLast(3); kb = true }
    guard let v = UInt64(rest) else { return nil }
    return (key, kb ? v * 1024 : v)
}
