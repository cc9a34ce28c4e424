#if canImport(Glibc)
import Glibc
#endif

/// Where probes find /proc and /sys: "/" on a host, a fixture tree in tests
/// (like node_exporter's --path.procfs and --path.sysfs).
public struct HostRoot: Sendable, Equatable {
    public var root: String
    /// Whether /proc and cgroup files are kept open between reads (KeptOpen,
    /// the loop's alone): a restart's own thread opens them each time.
    public var keepsFilesOpen = true
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

// Byte-level parsing of /proc and cgroup files: they are ASCII by definition,
// and read every cycle, where String's grapheme breaking and index validation
// cost most (what it cost: bench/README.md).

/// One "name: 1234 kB" (/proc/meminfo, /proc/PID/status) or "name 1234"
/// (memory.stat) line, valid only inside the callback that is given it (it
/// points into the file's bytes).
struct Field {
    let name: UnsafePointer<UInt8>
    let nameCount: Int
    /// After the separator, to the end of the line.
    let rest: UnsafePointer<UInt8>
    let restCount: Int

    var first: UInt8 { name[0] }

    /// StaticString: the names compared with are constants, so no global's
    /// lazy initialisation is checked for every line of every file.
    @inline(__always)
    func `is`(_ wanted: StaticString) -> Bool {
        nameCount == wanted.utf8CodeUnitCount && memcmp(name, wanted.utf8Start, nameCount) == 0
    }

    /// The number after the name, "kB" values in bytes; nil when there is none.
    /// Read only for the lines wanted: most lines of these files are not.
    var value: UInt64? {
        var i = 0
        while i < restCount, rest[i] == UInt8(ascii: " ") || rest[i] == UInt8(ascii: "\t") { i += 1 }
        let digitsStart = i
        var v: UInt64 = 0
        while i < restCount, rest[i] &- 0x30 < 10 { v = v &* 10 &+ UInt64(rest[i] &- 0x30); i += 1 }
        guard i > digitsStart else { return nil }
        if i + 2 < restCount, rest[i] == UInt8(ascii: " "), rest[i + 1] == UInt8(ascii: "k"), rest[i + 2] == UInt8(ascii: "B") {
            v = v &* 1024
        }
        return v
    }
}

/// Calls `body` with each line of a /proc or cgroup "name value" file that
/// has `separator` (":" or " ") after its name. These files are read every
/// cycle: lines are found with memchr and a number is read only when asked
/// for (bench/README.md).
func forEachField(_ bytes: [UInt8], separator: UInt8, _ body: (Field) -> Void) {
    bytes.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        var line = base
        var left = buffer.count
        while left > 0 {
            let newline = memchr(line, 0x0A, left).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }
            let lineCount = newline.map { $0 - line } ?? left
            if let sep = memchr(line, Int32(separator), lineCount).map({ UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) }), sep > line {
                let after = sep + 1
                body(Field(name: line, nameCount: sep - line, rest: after, restCount: lineCount - (after - line)))
            }
            guard let newline else { return }
            left -= lineCount + 1
            line = newline + 1
        }
    }
}

extension HostRoot {
    /// On the host, /proc and cgroup files are kept open between cycles (see
    /// KeptOpen); fixture trees are plain files and are opened each time.
    public func readBytes(_ absolute: String, mayBeEmpty: Bool = false) -> [UInt8]? {
        root == "/" && keepsFilesOpen && (absolute.hasPrefix("/proc/") || absolute.hasPrefix("/sys/fs/cgroup/"))
            ? KeptOpen.readBytes(absolute, mayBeEmpty: mayBeEmpty) : FileIO.readBytes(path(absolute))
    }

    /// A /proc directory's names, kept open on the host; nil when it cannot be opened.
    public func names(_ absolute: String) -> [String]? {
        if root == "/" && keepsFilesOpen && absolute.hasPrefix("/proc/") { return KeptOpen.names(absolute) }
        let p = path(absolute)
        return FileIO.isDirectory(p) ? FileIO.list(p) : nil
    }
}
