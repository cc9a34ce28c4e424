// A disk at critical: before CRIT is said, what nodeguard itself can free on
// that filesystem is freed (Docker's closed log rotations and logs over their
// limits, the journal to half its max_use), and the disk is measured again.

extension Guard {
    /// Frees what it can on each disk at critical, then measures it again
    /// and says CRIT only if it still is.
    func reclaim(_ paths: [String], _ cycle: inout Cycle, into d: inout Decisions) {
        for path in paths {
            var parts: [String] = []
            if cycle.act {
                let full = root.path(path)
                if let s = dockerLogs.reclaim(onFilesystemOf: full, &cycle) { parts.append(s) }
                if let s = journal.reclaim(onFilesystemOf: full, path: path, &cycle) { parts.append(s) }
            }
            // What was freed is said before what the disk is now.
            d.events += cycle.events
            cycle.events = []
            let reclaimed = parts.isEmpty ? "nothing nodeguard can reclaim there (no Docker logs or journal on that filesystem)" : parts.joined(separator: ", ")
            rules.confirmDiskCritical(DiskProbe.read(path, root: root), path: path, reclaimed: reclaimed, now: cycle.now, into: &d)
        }
    }
}
