// journald's disk usage, counted as `journalctl --disk-usage` counts it: the
// allocated blocks of every journal file, archived and active, persistent
// (/var/log/journal) and volatile (/run/log/journal).
#if canImport(Glibc)
import Glibc
#endif

public enum JournalProbe {
    public static let directories = ["/var/log/journal", "/run/log/journal"]

    public static func isJournalFile(_ name: String) -> Bool { name.hasSuffix(".journal") || name.hasSuffix(".journal~") }

    /// Whether journald runs: its socket is there (a container or a host
    /// without systemd may still have the directories or journald.conf).
    public static func running(root: HostRoot) -> Bool { FileIO.exists(root.path("/run/systemd/journal/socket")) }

    /// nil when no journal directory exists (no journald here).
    public static func usage(root: HostRoot) -> UInt64? {
        var total: UInt64 = 0
        var found = false
        for top in directories {
            let base = root.path(top)
            guard FileIO.isDirectory(base) else { continue }
            found = true
            var queue = [base]
            while let dir = queue.popLast() {
                for name in FileIO.list(dir) {
                    var st = stat()
                    guard lstat(dir + "/" + name, &st) == 0 else { continue }
                    if (st.st_mode & S_IFMT) == S_IFDIR { queue.append(dir + "/" + name) }
                    else if (st.st_mode & S_IFMT) == S_IFREG && isJournalFile(name) { total += UInt64(st.st_blocks) * 512 }
                }
            }
        }
        return found ? total : nil
    }
}
