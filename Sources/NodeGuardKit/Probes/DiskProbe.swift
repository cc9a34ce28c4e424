// Disk: free bytes, free share and free inodes of each configured path.
#if canImport(Glibc)
import Glibc
#endif

public struct DiskUsage: Equatable, Sendable {
    public var path: String
    public var totalBytes: UInt64
    /// What an unprivileged writer can still use (f_bavail), as df shows it.
    public var freeBytes: UInt64
    public var totalInodes: UInt64
    public var freeInodes: UInt64

    public var freeShare: Double { totalBytes == 0 ? 1 : Double(freeBytes) / Double(totalBytes) }
    /// Filesystems without inode accounting (btrfs, some FUSE) report 0 inodes: never "full".
    public var freeInodesShare: Double { totalInodes == 0 ? 1 : Double(freeInodes) / Double(totalInodes) }

    /// From statvfs fields; df's "Size" counts f_blocks.
    public static func from(path: String, blockSize: UInt64, blocks: UInt64, blocksAvailable: UInt64,
                            files: UInt64, filesAvailable: UInt64) -> DiskUsage {
        DiskUsage(path: path, totalBytes: blocks &* blockSize, freeBytes: blocksAvailable &* blockSize,
                  totalInodes: files, freeInodes: filesAvailable)
    }
}

public enum DiskProbe {
    /// statvfs can hang on a dead network mount; the daemon's watchdog covers that
    /// (a stuck cycle sends no WATCHDOG=1 and systemd restarts nodeguard).
    public static func read(_ path: String, root: HostRoot) -> Result<DiskUsage, ProbeError> {
        var s = statvfs()
        let full = root.path(path)
        guard statvfs(full, &s) == 0 else {
            return .failure(ProbeError("cannot check disk space of \(full): \(FileIO.errorText(errno)); fix [disk] paths"))
        }
        let bs = UInt64(s.f_frsize != 0 ? s.f_frsize : s.f_bsize)
        return .success(DiskUsage.from(path: path, blockSize: bs, blocks: UInt64(s.f_blocks), blocksAvailable: UInt64(s.f_bavail),
                                       files: UInt64(s.f_files), filesAvailable: UInt64(s.f_favail)))
    }
}
