// Carries out a prune step inside Docker's containers directory, and nowhere
// else: every path is opened relative to a directory descriptor with
// O_NOFOLLOW, so a symlink planted in a container's directory (or as the
// directory) is refused, not followed out of it.
#if canImport(Glibc)
import Glibc
#endif
import CNodeGuard

/// What a prune step did.
public struct Pruned: Equatable, Sendable {
    public var freed: UInt64
    /// An active log: the bytes of its tail kept; 0 when it was emptied.
    public var kept: UInt64 = 0
    /// Why an active log was emptied rather than cut (the filesystem cannot cut a file's head).
    public var emptiedBecause: String?
}

public enum LogPruner {
    /// What was freed, or why nothing was done.
    public static func apply(_ step: PruneStep, containersDir: String) -> Result<Pruned, ProbeError> {
        guard DockerLogsProbe.isContainerID(step.containerID),
              let r = DockerLogsProbe.rotation(of: step.file, id: step.containerID),
              (step.kind == .truncateActive) == (r == 0) else {
            return .failure(ProbeError("refusing to prune \(step.file): not a \(step.kind == .truncateActive ? "active" : "rotated") json-file log of \(step.containerID)"))
        }
        let top = open(containersDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else { return .failure(ProbeError("cannot open \(containersDir): \(FileIO.errorText(errno))")) }
        defer { close(top) }
        let dir = openat(top, step.containerID, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dir >= 0 else { return .failure(ProbeError("cannot open \(containersDir)/\(step.containerID) without following a link: \(FileIO.errorText(errno))")) }
        defer { close(dir) }
        let path = "\(containersDir)/\(step.containerID)/\(step.file)"
        switch step.kind {
        case .deleteRotation:
            var st = stat()
            guard fstatat(dir, step.file, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                return .failure(ProbeError("\(path) is gone: \(FileIO.errorText(errno))"))
            }
            guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure(ProbeError("refusing to delete \(path): not a regular file")) }
            guard unlinkat(dir, step.file, 0) == 0 else { return .failure(ProbeError("cannot delete \(path): \(FileIO.errorText(errno))")) }
            return .success(Pruned(freed: UInt64(st.st_blocks) * 512))
        case .truncateActive:
            let fd = openat(dir, step.file, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return .failure(ProbeError("cannot open \(path) without following a link: \(FileIO.errorText(errno))")) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(ProbeError("refusing to truncate \(path): not a regular file")) }
            let before = UInt64(st.st_blocks) * 512
            var why: String?
            if step.keep > 0 {
                switch cutHead(fd, size: UInt64(st.st_size), keep: step.keep, blockSize: UInt64(max(st.st_blksize, 512))) {
                case .success(let kept):
                    var after = stat()
                    let now = fstat(fd, &after) == 0 ? UInt64(after.st_blocks) * 512 : before
                    return .success(Pruned(freed: before > now ? before - now : 0, kept: kept))
                case .failure(let e): why = e.message
                }
            }
            // dockerd writes with O_APPEND, so its next write lands at the new
            // end: no sparse file is left behind.
            guard ftruncate(fd, 0) == 0 else { return .failure(ProbeError("cannot truncate \(path): \(FileIO.errorText(errno))")) }
            return .success(Pruned(freed: before, emptiedBecause: why))
        }
    }

    /// Cuts the head of an active log, keeping at least `keep` bytes of its
    /// tail: whole blocks go (collapse range, under the inode lock dockerd's
    /// appends take, so nothing it writes meanwhile is lost or moved), then
    /// the part of a line left at the start is overwritten with spaces, which
    /// Docker's JSON reader skips. The bytes kept, or why it cannot.
    static func cutHead(_ fd: Int32, size: UInt64, keep: UInt64, blockSize: UInt64) -> Result<UInt64, ProbeError> {
        let cut = size > keep ? (size - keep) / blockSize * blockSize : 0
        guard cut > 0, cut < size else { return .failure(ProbeError("the log is too small to cut by whole blocks")) }
        // Whether the cut falls at the start of a line: the byte before it ends one.
        var last: UInt8 = 0
        guard pread(fd, &last, 1, off_t(cut - 1)) == 1 else { return .failure(ProbeError("cannot read it: \(FileIO.errorText(errno))")) }
        let rc = ng_collapse_head(fd, Int64(cut))
        guard rc == 0 else { return .failure(ProbeError("its filesystem cannot cut the head of a file (\(FileIO.errorText(rc)))")) }
        if last != UInt8(ascii: "\n") { blankPartialLine(fd) }
        return .success(size - cut)
    }

    /// Spaces over the bytes before the first newline.
    static func blankPartialLine(_ fd: Int32) {
        var buf = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let n = pread(fd, &buf, buf.count, offset)
            guard n > 0 else { return }
            let end = buf[0..<n].firstIndex(of: UInt8(ascii: "\n")) ?? n
            let spaces = [UInt8](repeating: UInt8(ascii: " "), count: end)
            guard end == 0 || pwrite(fd, spaces, end, offset) == end, end == n else { return }
            offset += off_t(n)
        }
    }
}
