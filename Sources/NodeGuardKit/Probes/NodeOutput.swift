// The last words of a node that is not running: its unit's journal (through
// journalctl, run only while a nodeos node is down) or the tail of its
// container's json-file log. A pidfile node's output is not known here.
// What nodeos says when it cannot start on a state left by a kill is read
// from them (nodeos's main.cpp: "database dirty flag set (likely due to
// unclean shutdown): replay required", then exit status 2).
#if canImport(Glibc)
import Glibc
#endif

public enum NodeOutput {
    /// The journal lines read of a unit: the start's few lines and systemd's own about its exit.
    static let journalLines = 12
    /// The bytes read from the end of a container's log.
    static let logTail = 8192

    /// The unit's last lines in its journal; nil when journalctl cannot tell.
    static func unitLines(_ unit: String, whileWaiting: () -> Void) -> [String]? {
        let (outcome, output) = CommandRunner.capturing(["/usr/bin/journalctl", "--unit", unit, "--lines", String(journalLines), "--output", "cat",
                                                         "--no-pager", "--quiet"], timeout: 5, whileWaiting: whileWaiting)
        return outcome.succeeded ? output.split(separator: "\n").map(String.init) : nil
    }

    /// The last lines of a json-file container log (each line a JSON object whose "log" is the text).
    static func containerLines(_ logPath: String, root: HostRoot) -> [String]? {
        guard !logPath.isEmpty else { return nil }
        let fd = open(root.path(logPath), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { return nil }
        let start = max(0, Int(size) - logTail)
        var bytes = [UInt8](repeating: 0, count: Int(size) - start)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
        guard n >= 0 else { return nil }
        return String(decoding: bytes.prefix(n), as: UTF8.self).split(separator: "\n").dropFirst(start > 0 ? 1 : 0)
            .map { line in (try? JSON.parse(String(line)))?["log"]?.string.map { $0.trimmingSuffix("\n") } ?? String(line) }
    }

    /// nodeos's line saying its state needs a replay, if the lines hold one. Pure.
    public static func replayNeeded(_ lines: [String]) -> String? {
        lines.last { $0.contains("atabase dirty flag set") }.map { String($0.suffix(300)) }
    }
}

extension String {
    public func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}

extension NodeProbe {
    /// What the node wrote last: its unit's journal, its container's log; nil for a pidfile node.
    func lastWords(whileWaiting: () -> Void) -> [String]? {
        if let unit = config.unit { return NodeOutput.unitLines(unit, whileWaiting: whileWaiting) }
        if config.container != nil, let c = container { return NodeOutput.containerLines(c.info.logPath, root: root) }
        return nil
    }
}
