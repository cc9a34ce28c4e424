// Small file helpers on Glibc: no Foundation in the daemon.
#if canImport(Glibc)
import Glibc
#endif
import CNodeGuard

public enum FileIO {
    /// Removes a file; one already gone is no error.
    public static func remove(_ path: String) { _ = unlink(path) }

    /// Reads a whole (small) file; nil when it cannot be opened or read.
    public static func readText(_ path: String, limit: Int = 1 << 20) -> String? {
        readBytes(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of a whole (small) file. /proc files report size 0, so this
    /// reads until EOF: into a stack buffer first (the files a cycle reads
    /// are 1-4 KiB), then one exact-size array.
    public static func readBytes(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd, limit: limit)
    }

    /// Reads an open file from offset 0 to EOF (pread, so a kept-open /proc
    /// file is generated afresh each time; plain read for a pipe such as
    /// `nodeguard config check <(...)`).
    static func readAll(_ fd: Int32, limit: Int = 1 << 20) -> [UInt8]? {
        var seekable = true
        func readAt(_ p: UnsafeMutableRawPointer, _ n: Int, _ offset: Int) -> Int {
            if seekable {
                let r = pread(fd, p, n, off_t(offset))
                if r >= 0 || errno != ESPIPE { return r }
                seekable = false
            }
            return read(fd, p, n)
        }
        var first: [UInt8]? = nil
        var complete = false
        let ok = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8192) { buf -> Bool in
            var used = 0
            while used < buf.count {
                let n = readAt(buf.baseAddress! + used, buf.count - used, used)
                if n < 0 { if errno == EINTR { continue }; return false }
                if n == 0 { complete = true; break }
                used += n
                // A short first read that is under half a page was the whole
                // file: a regular file ends there, and procfs, sysfs and
                // cgroupfs fill the reader's buffer until their 4 KiB page is
                // full, so they stop short of it only at the end (their
                // records are far smaller than 2 KiB). That saves the second
                // read, which on a /proc file is a system call like any other.
                if seekable && used == n && n < 2048 { complete = true; break }
            }
            first = Array(buf[0..<used])
            return true
        }
        guard ok, var out = first else { return nil }
        if complete { return out }
        var chunk = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { readAt($0.baseAddress!, $0.count, out.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Whether two paths are on one filesystem (a disk reclaim frees only what is on it).
    public static func sameFilesystem(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev
    }

    /// Writes through a temporary file and rename, so a reader never sees a
    /// half-written file. With `durable`, the data and the directory entry
    /// are fsynced too, so a crash or power loss keeps old or new, never neither.
    @discardableResult
    public static func writeAtomically(_ path: String, _ text: String, durable: Bool, mode: mode_t = 0o644) -> Int32 {
        writeAtomically(path, Array(text.utf8), durable: durable, mode: mode)
    }

    @discardableResult
    public static func writeAtomically(_ path: String, _ data: [UInt8], durable: Bool, mode: mode_t = 0o644) -> Int32 {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { return errno }
        var bytes = data
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; let e = errno; close(fd); unlink(tmp); return e }
            off += n
        }
        if durable && fsync(fd) != 0 { let e = errno; close(fd); unlink(tmp); return e }
        close(fd)
        if rename(tmp, path) != 0 { let e = errno; unlink(tmp); return e }
        if durable {
            let dfd = open(directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 { fsync(dfd); close(dfd) }
        }
        return 0
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// mkdir -p; returns 0 or errno.
    @discardableResult
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Int32 {
        var built = ""
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, mode) != 0 && errno != EEXIST { return errno }
        }
        return 0
    }

    /// Names, d_type and inode of an open directory's entries, without .
    /// and .. (the descriptor stays open; the caller closes it). Reads with
    /// getdents64 directly: a small directory costs one system call.
    /// `keep` sees each name's bytes first, so names of no interest cost no String.
    public static func entries(_ fd: Int32, keep: (UnsafeRawBufferPointer) -> Bool = { _ in true }) -> [(name: String, type: UInt8, inode: UInt64)] {
        var out: [(String, UInt8, UInt64)] = []
        let size = 32 * 1024
        withUnsafeTemporaryAllocation(byteCount: size, alignment: 8) { buf in
            while true {
                let n = ng_getdents64(fd, buf.baseAddress, size)
                if n <= 0 { return }
                var off = 0
                while off < n {
                    // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
                    let rec = buf.baseAddress! + off
                    let inode = rec.loadUnaligned(as: UInt64.self)
                    let reclen = Int(rec.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                    let type = rec.load(fromByteOffset: 18, as: UInt8.self)
                    let namePtr = (rec + 19).assumingMemoryBound(to: CChar.self)
                    let raw = UnsafeRawBufferPointer(start: rec + 19, count: strlen(namePtr))
                    let dot = raw.count <= 2 && raw.allSatisfy { $0 == UInt8(ascii: ".") }
                    if !dot && keep(raw) { out.append((String(cString: namePtr), type, inode)) }
                    guard reclen > 0 else { return }
                    off += reclen
                }
                // Linux fills the buffer with all it can: a short read was the whole directory.
                if n < size - 512 { return }
            }
        }
        return out
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
    /// This process may read the file (for a directory: list it); errno says why not.
    public static func readable(_ path: String) -> Bool { access(path, R_OK) == 0 && (!isDirectory(path) || access(path, X_OK) == 0) }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Names in a directory, without . and ..
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Unbuffered write of a whole string to a descriptor (stdout 1, stderr 2).
    public static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }

    public static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The /proc files every cycle reads (/proc/meminfo, /proc/pressure/memory,
/// /proc/net/dev, the node's /proc/PID/statm) and its cgroup's memory.stat
/// stay open between cycles and are read again from offset 0, as earlyoom
/// does with /proc/meminfo: procfs and cgroupfs write them afresh on each
/// read, and a path lookup, open and close each cycle cost more system time
/// than the reads (bench/README.md). A file no cycle read since the last sweep is closed (a restarted
/// node's old pid), and one that fails to read (its process gone, its cgroup
/// removed: ENODEV) is opened again by path.
/// Only for procfs and cgroupfs: a regular file replaced by rename would be read stale.
/// The daemon and the CLI run one thread; nothing here is shared across threads.
public enum KeptOpen {
    nonisolated(unsafe) static var files: [String: (fd: Int32, used: Bool)] = [:]
    /// A pidfile node's every thread has a `children` file read each cycle
    /// (a child's parent is the thread that forked it), and nodes run tens of
    /// threads. Each kept file holds a page of kernel buffer; 128 bounds that
    /// at half a MiB, and a sweep closes what is no longer read.
    static let maximum = 128

    /// `mayBeEmpty`: the file is empty in the normal course (a task's
    /// `children` when it has none), so empty does not mean gone. Once its
    /// task has exited such a file reads empty for good, never someone
    /// else's children: the descriptor holds the task, not the pid number.
    public static func readBytes(_ path: String, mayBeEmpty: Bool = false) -> [UInt8]? {
        // Empty: a /proc/PID file whose process is gone (its pid may be
        // someone else's by now), so open the path again.
        kept(path, flags: O_RDONLY, { FileIO.readAll($0) }, stillGood: { mayBeEmpty || !$0.isEmpty })
    }

    /// The names in a /proc directory (a process's `task` list), through a
    /// descriptor kept open and rewound: two system calls instead of the
    /// five of opendir, readdir and closedir. Empty means the process is gone
    /// (a live one has at least one task), so the path is opened again.
    public static func names(_ path: String) -> [String]? {
        kept(path, flags: O_RDONLY | O_DIRECTORY, { fd in
            lseek(fd, 0, SEEK_SET) == 0 ? FileIO.entries(fd).map(\.name) : nil
        }, stillGood: { !$0.isEmpty })
    }

    /// Reads through the descriptor kept for `path`; one that fails or whose
    /// reading is not `stillGood` is closed and the path opened again.
    static func kept<T>(_ path: String, flags: Int32, _ body: (Int32) -> T?, stillGood: (T) -> Bool) -> T? {
        // One hash of the path a read: the index found is used to mark it.
        if let i = files.index(forKey: path) {
            let fd = files.values[i].fd
            if let v = body(fd), stillGood(v) {
                files.values[i].used = true
                return v
            }
            close(fd)
            files.remove(at: i)
        }
        let fd = open(path, flags | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let v = body(fd) else { close(fd); return nil }
        if files.count < maximum { files[path] = (fd, true) } else { close(fd) }
        return v
    }

    /// Closes what was not read since the last sweep; the daemon calls it once a cycle.
    public static func sweep() {
        for (path, f) in files {
            if f.used { files[path] = (f.fd, false) } else { close(f.fd); files[path] = nil }
        }
    }

    public static var openCount: Int { files.count }
}
