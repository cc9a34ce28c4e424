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
    static let jsonLog = Array("-json.log".utf8)

    /// Which role a file in a container's directory plays, from its name.
    /// nil: not a json-file log (config.v2.json, hostconfig.json, ...).
    public static func rotation(of name: String, id: String) -> Int? {
        // On bytes: this runs for every file of every container each scan.
        var name = name, id = id
        return name.withUTF8 { n in
            id.withUTF8 { i -> Int? in
                let base = i.count + jsonLog.count
                guard n.count >= base, memcmp(n.baseAddress!, i.baseAddress!, i.count) == 0,
                      memcmp(n.baseAddress! + i.count, jsonLog, jsonLog.count) == 0 else { return nil }
                if n.count == base { return 0 }
                var end = n.count
                if end >= base + 4, n[end - 3] == UInt8(ascii: "."), n[end - 2] == UInt8(ascii: "g"), n[end - 1] == UInt8(ascii: "z") { end -= 3 }
                guard n[base] == UInt8(ascii: "."), end > base + 1, end - base <= 7 else { return nil }
                var v = 0
                for k in (base + 1)..<end {
                    guard n[k] >= 0x30, n[k] <= 0x39 else { return nil }
                    v = v * 10 + Int(n[k] - 0x30)
                }
                return v > 0 ? v : nil
            }
        }
    }

    /// The container's name from its config.v2.json, without Docker's leading "/".
    public static func containerName(_ id: String, in containersDir: String) -> String? {
        guard isContainerID(id), let name = FileIO.readText(containersDir + "/" + id + "/config.v2.json")
            .flatMap({ try? JSON.parse($0) })?["Name"]?.string else { return nil }
        return String(name.drop { $0 == "/" })
    }

    public static func isContainerID(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Closed rotations change only when a container's directory does
    /// (rotation renames files in it): they are kept per container with the
    /// directory's mtime, so an unchanged container costs two stat calls.
    public final class Cache {
        var containers: [String: (stamp: Double, inode: UInt64, rotations: [LogFile])] = [:]
        public init() {}
    }

    static func mtime(_ st: stat) -> Double { Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9 }

    /// Every container's logs. A directory or file that vanishes mid-scan
    /// (a container removed meanwhile) is skipped, never an error. Each
    /// directory is opened with O_NOFOLLOW and each file looked at relative
    /// to it: no symlink is followed, and a scan of 500 containers stays a
    /// few milliseconds (d_type spares most stat calls).
    public static func scan(_ containersDir: String, cache: Cache? = nil) -> Result<[ContainerLogs], ProbeError> {
        let top = open(containersDir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard top >= 0 else {
            let e = errno
            if e == ELOOP || e == ENOTDIR {
                return .failure(ProbeError("\(containersDir) is not a directory (a symlink is not followed); fix [docker_logs] containers_dir"))
            }
            return .failure(ProbeError("cannot read Docker's containers directory \(containersDir): \(FileIO.errorText(e)); fix [docker_logs] containers_dir"))
        }
        defer { close(top) }
        var out: [ContainerLogs] = []
        var kept: [String: (stamp: Double, inode: UInt64, rotations: [LogFile])] = [:]
        for (id, type, _) in FileIO.entries(top, keep: { $0.count == 64 }) where (type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN)) && isContainerID(id) {
            var dst = stat()
            guard fstatat(top, id, &dst, AT_SYMLINK_NOFOLLOW) == 0, (dst.st_mode & S_IFMT) == S_IFDIR else { continue }
            var rotations: [LogFile]
            if let c = cache?.containers[id], c.stamp == mtime(dst), c.inode == UInt64(dst.st_ino) {
                rotations = c.rotations
            } else {
                guard let listed = listRotations(top: top, id: id) else { continue }
                rotations = listed
            }
            kept[id] = (mtime(dst), UInt64(dst.st_ino), rotations)
            var files = rotations
            var st = stat()
            if fstatat(top, "\(id)/\(id)-json.log", &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG {
                // Allocated bytes, as df counts them: what deleting frees.
                files.insert(LogFile(name: "\(id)-json.log", bytes: UInt64(st.st_blocks) * 512, rotation: 0, modified: mtime(st)), at: 0)
            }
            if !files.isEmpty { out.append(ContainerLogs(id: id, files: files)) }
        }
        cache?.containers = kept
        return .success(out.sorted { $0.id < $1.id })
    }

    /// The closed rotations in one container's directory, oldest last.
    static func listRotations(top: Int32, id: String) -> [LogFile]? {
        let dir = openat(top, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dir >= 0 else { return nil }   // a symlink, or gone
        defer { close(dir) }
        let first = id.utf8.first!
        var files: [LogFile] = []
        // Only "<id>-json.log.N" names are made into strings.
        for (name, type, _) in FileIO.entries(dir, keep: { $0.count > 73 && $0[0] == first })
            where type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN) {
            guard let r = rotation(of: name, id: id), r > 0 else { continue }
            var st = stat()
            guard fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            files.append(LogFile(name: name, bytes: UInt64(st.st_blocks) * 512, rotation: r, modified: mtime(st)))
        }
        return files.sorted { $0.rotation < $1.rotation }
    }
}
