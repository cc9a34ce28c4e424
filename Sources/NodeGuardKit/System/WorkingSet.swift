// Start-up runs code the check loop never runs again: the TOML parser, the
// schema, the first probes of every kind. Those pages of the executable (and
// of libraries no other process maps) stay resident for the daemon's whole
// life unless told otherwise. After start-up and after a reload, the daemon
// hands its clean, read-only file-backed pages back to the kernel
// (MADV_PAGEOUT, skipped by the kernel for pages other processes share) and
// turns off read-ahead for them (MADV_RANDOM), so what stays resident is the
// check loop's working set (what it saves: bench/README.md).
//
// The executable's pages nobody maps are dropped from the page cache too
// (POSIX_FADV_DONTNEED): otherwise each later first touch of a code page maps
// its cached neighbours with it (fault-around, 64 KiB at a time) and the
// resident set creeps back up as rarely used paths (the Docker API) run.
//
// Code (r-xp) is zapped from the page tables outright (MADV_DONTNEED), shared
// or not: code is never written (no text relocations, and the unit's
// MemoryDenyWriteExecute forbids it), so a later touch maps the same bytes
// again from the page cache. That is what takes libc's and libsystemd's code
// (and libgcrypt, lz4, zstd, lzma, which libsystemd links and dockerd maps
// too, so PAGEOUT leaves them) out of the resident set when the loop never
// runs them. Read-only data (r--p) only gets PAGEOUT: after relocation it may
// hold private copies (RELRO) that DONTNEED would throw away.
#if canImport(Glibc)
import Glibc
#endif

public enum WorkingSet {
    static let madvRandom: Int32 = 1
    static let madvPageout: Int32 = 21   // Linux 5.4+; older kernels answer EINVAL and nothing changes
    static let madvDontneed: Int32 = 4

    /// Returns the number of mappings advised.
    @discardableResult
    public static func trim() -> Int {
        guard let maps = FileIO.readText("/proc/self/maps") else { return 0 }
        var advised = 0
        for line in maps.split(separator: "\n") {
            // "start-end perms offset dev inode path"
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[5].hasPrefix("/"), f[1].hasPrefix("r"), !f[1].contains("w") else { continue }
            let range = f[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let addr = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            let length = Int(end - start)
            _ = madvise(addr, length, madvRandom)
            let code = f[1] == "r-xp"
            if madvise(addr, length, code ? madvDontneed : madvPageout) == 0 { advised += 1 }
        }
        let exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        if exe >= 0 {
            _ = posix_fadvise(exe, 0, 0, POSIX_FADV_DONTNEED)
            close(exe)
        }
        return advised
    }
}
