// Docker's json-file logs: <containers>/<id>/<id>-json.log (active, dockerd
// appends to it) and its closed rotations <id>-json.log.1, .2, ... (or
// .1.gz when compressed). Found by scanning the containers directory, so the
// sizes are known even when dockerd is down. Nothing is followed through a
// symlink: lstat only, and only regular files count.
#if canImport(Glibc)
import Glibc
#endif

public struct LogFile: Equatable, Sendable {
    public var name: String
    public var bytes: UInt64
    /// 0 for the active log, N for rotation N (older as N grows).
    public var rotation: Int
    public var modified: Double
    public var isActive: Bool { rotation == 0 }
}

public struct ContainerLogs: Equatable, Sendable {
    public var id: String
    public var files: [LogFile]
    public var bytes: UInt64 { files.reduce(0) { $0 + $1.bytes } }
    public var active: LogFile? { files.first { $0.isActive } }
}

public enum DockerLogsProbe {
    /// Which role a file in a container's directory plays, from its name.
    /// nil: not a json-file log (config.v2.json, hostconfig.json, ...).
    public static func rotation(of name: String, id: String) -> Int? {
        let base = id + "-json.log"
        if name == base { return 0 }
        guard name.hasPrefix(base + ".") else { return nil }
        var rest = name.dropFirst(base.count + 1)
        if rest.hasSuffix(".gz") { rest = rest.dropLast(3) }
        guard let n = Int(rest), n > 0 else { return nil }
        return n
    }

    static func isContainerID(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Every container's logs. A directory or file that vanishes mid-scan
    /// (a container removed meanwhile) is skipped, never an error.
    public static func scan(_ containersDir: String) -> Result<[ContainerLogs], ProbeError> {
        var st = stat()
        guard lstat(containersDir, &st) == 0 else {
            return .failure(ProbeError("cannot read Docker's containers directory \(containersDir): \(FileIO.errorText(errno)); fix [docker_logs] containers_dir"))
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            return .failure(ProbeError("\(containersDir) is not a directory (a symlink is not followed); fix [docker_logs] containers_dir"))
        }
        var out: [ContainerLogs] = []
        for id in FileIO.list(containersDir) where isContainerID(id) {
            let dir = containersDir + "/" + id
            guard lstat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            var files: [LogFile] = []
            for name in FileIO.list(dir) {
                guard let r = rotation(of: name, id: id) else { continue }
                var fst = stat()
                guard lstat(dir + "/" + name, &fst) == 0, (fst.st_mode & S_IFMT) == S_IFREG else { continue }
                // Allocated bytes, as df counts them: what deleting frees.
                files.append(LogFile(name: name, bytes: UInt64(fst.st_blocks) * 512, rotation: r,
                                     modified: Double(fst.st_mtim.tv_sec) + Double(fst.st_mtim.tv_nsec) / 1e9))
            }
            if !files.isEmpty { out.append(ContainerLogs(id: id, files: files.sorted { $0.rotation < $1.rotation })) }
        }
        return .success(out.sorted { $0.id < $1.id })
    }
}
