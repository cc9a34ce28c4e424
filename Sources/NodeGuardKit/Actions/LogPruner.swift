// Carries out a prune step inside Docker's containers directory, and nowhere
// else: every path is opened relative to a directory descriptor with
// O_NOFOLLOW, so a symlink planted in a container's directory (or as the
// directory) is refused, not followed out of it.
#if canImport(Glibc)
import Glibc
#endif

public enum LogPruner {
    /// Bytes freed, or why nothing was done.
    public static func apply(_ step: PruneStep, containersDir: String) -> Result<UInt64, ProbeError> {
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
            return .success(UInt64(st.st_blocks) * 512)
        case .truncateActive:
            // dockerd writes with O_APPEND, so its next write lands at the new
            // end: no sparse file is left behind.
            let fd = openat(dir, step.file, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { return .failure(ProbeError("cannot open \(path) without following a link: \(FileIO.errorText(errno))")) }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .failure(ProbeError("refusing to truncate \(path): not a regular file")) }
            guard ftruncate(fd, 0) == 0 else { return .failure(ProbeError("cannot truncate \(path): \(FileIO.errorText(errno))")) }
            return .success(UInt64(st.st_blocks) * 512)
        }
    }
}
