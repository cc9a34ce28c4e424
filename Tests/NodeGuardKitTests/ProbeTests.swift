import XCTest
@testable import NodeGuardKit

final class ProbeTests: XCTestCase {
    func testHostMemoryOnCgroupV2VpsWithPSI() throws {
        let m = try HostMemoryProbe.read(HostRoot(fixture("cgroup-v2-vps"))).get()
        XCTAssertEqual(m.total, 2014256 * 1024)
        XCTAssertEqual(m.available, 612840 * 1024)
        XCTAssertFalse(m.availableEstimated)
        XCTAssertEqual(m.swapTotal, 1048572 * 1024)
        XCTAssertEqual(m.swapFree, 921436 * 1024)
        XCTAssertEqual(m.pressureSome10, 2.47)
        XCTAssertEqual(m.pressureFull10, 0.83)
    }

    /// Captured from a real cgroup v2 host (Debian 12's kernel booted in qemu,
    /// system-tests/fixtures/capture-cgroup-v2.sh): a unit that leaked 96 MiB of
    /// anonymous memory and wrote 16 MiB to tmpfs. The values are the
    /// captured files' own (a new capture changes them here too).
    func testRealCgroupV2Capture() throws {
        let root = HostRoot(fixture("cgroup-v2-kvm"))
        let cgDir = "/sys/fs/cgroup/system.slice/leaky-node.service"
        func statField(_ name: String) throws -> UInt64 {
            let text = try XCTUnwrap(root.read(cgDir + "/memory.stat"))
            let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
            return try XCTUnwrap(UInt64(line.split(separator: " ")[1]))
        }
        XCTAssertEqual(NodeMemoryProbe.cgroupVersion(root), .v2)

        // The unit: memory.stat's anon, which holds the leak and not the tmpfs file.
        let (unit, cg) = try NodeMemoryProbe.readUnit("leaky-node.service", root: root).get()
        XCTAssertEqual(cg.path, "/system.slice/leaky-node.service")
        XCTAssertEqual(unit.anonBytes, try statField("anon"))
        XCTAssertEqual(unit.anonBytes, 100_769_792, "the 96 MiB leak and the process's own; memory.current is 117,850,112")
        XCTAssertEqual(try statField("shmem"), 16 << 20, "the capture holds the tmpfs file, which must not count")

        // The same process through a pidfile: statm agrees with status's
        // RssAnon, and both with the cgroup's anon to within 1 MiB.
        let pid = try XCTUnwrap(Int32(try XCTUnwrap(root.read("/run/leaky-node.pid")).filter { $0 != "\n" }))
        let node = try NodeMemoryProbe.readPidfile("/run/leaky-node.pid", root: root).get()
        XCTAssertEqual(node.anonBytes, try XCTUnwrap(NodeMemoryProbe.parseRssAnon(try XCTUnwrap(root.readBytes("/proc/\(pid)/status")))))
        XCTAssertEqual(node.anonBytes, 98_148 * 1024)
        XCTAssertLessThan(abs(Int64(node.anonBytes) - Int64(unit.anonBytes)), 1 << 20)
        XCTAssertEqual(NodeMemoryProbe.parseProcCgroup(try XCTUnwrap(root.read("/proc/\(pid)/cgroup")), version: .v2).memory,
                       "/system.slice/leaky-node.service")

        // The host: real meminfo and PSI.
        let host = try HostMemoryProbe.read(root).get()
        XCTAssertEqual(host.total, 466_396 * 1024)
        XCTAssertEqual(host.available, 322_916 * 1024)
        XCTAssertFalse(host.availableEstimated)
        XCTAssertEqual(host.pressureSome10, 0)
        XCTAssertEqual(host.pressureFull10, 0)
    }

    func testHostMemoryOnRealV1HostWithoutPSI() throws {
        let m = try HostMemoryProbe.read(HostRoot(fixture("cgroup-v1-host"))).get()
        XCTAssertEqual(m.total, 24684092 * 1024)
        XCTAssertEqual(m.available, 24344264 * 1024)
        XCTAssertNil(m.pressureSome10)
        XCTAssertNil(m.pressureFull10)
    }

    func testMemAvailableFallbackOnOldKernels() throws {
        let m = try HostMemoryProbe.read(HostRoot(fixture("old-kernel"))).get()
        XCTAssertTrue(m.availableEstimated)
        // MemFree + Active(file) + Inactive(file) + SReclaimable
        XCTAssertEqual(m.available, (101312 + 180000 + 130000 + 25000) * 1024)
        XCTAssertEqual(m.swapTotal, 0)
    }

    func testMeminfoParsingTable() {
        XCTAssertNil(HostMemoryProbe.parseMeminfo("garbage\n"))
        XCTAssertEqual(HostMemoryProbe.parseMeminfo("MemTotal: 100 kB\nMemAvailable: 200 kB\n")?.available, 100 * 1024, "never above total")
        XCTAssertNil(HostMemoryProbe.parsePressure("full avg10=1.00\n"))
        XCTAssertEqual(HostMemoryProbe.parsePressure("some avg10=12.50 avg60=1 avg300=0 total=9\n")?.some, 12.5)
    }

    func testAZombieFromAPidfileIsNotRunning() throws {
        let root = tempDir()
        XCTAssertEqual(FileIO.makeDirectories(root + "/run"), 0)
        for (pid, statm) in [(41, "2620 1024 320 10 0 400 0\n"), (42, "0 0 0 0 0 0 0\n")] {
            FileIO.makeDirectories(root + "/proc/\(pid)/task/\(pid)", mode: 0o755)
            XCTAssertEqual(FileIO.writeAtomically(root + "/proc/\(pid)/statm", statm, durable: false, mode: 0o644), 0)
            XCTAssertEqual(FileIO.writeAtomically(root + "/proc/\(pid)/task/\(pid)/children", "", durable: false, mode: 0o644), 0)
            XCTAssertEqual(FileIO.writeAtomically(root + "/run/n\(pid).pid", "\(pid)\n", durable: false, mode: 0o644), 0)
        }
        XCTAssertEqual(try NodeMemoryProbe.readPidfile("/run/n41.pid", root: HostRoot(root)).get().anonBytes, (1024 - 320) * NodeMemoryProbe.pageSize)
        guard case .failure(let e) = NodeMemoryProbe.readPidfile("/run/n42.pid", root: HostRoot(root)) else { return XCTFail("a zombie runs no node") }
        XCTAssertTrue(e.notRunning, e.message)
    }

    func testMissingProcIsAClearError() {
        guard case .failure(let e) = HostMemoryProbe.read(HostRoot("/nonexistent")) else { return XCTFail() }
        XCTAssertEqual(e.message, "cannot read /nonexistent/proc/meminfo; is /proc mounted?")
    }

    func testUnitMemoryOnCgroupV2CountsAnonNotPageCache() throws {
        let root = HostRoot(fixture("cgroup-v2-vps"))
        XCTAssertEqual(NodeMemoryProbe.cgroupVersion(root), .v2)
        let (m, cg) = try NodeMemoryProbe.readUnit("dmo-node.service", root: root).get()
        XCTAssertEqual(m.anonBytes, 867172352)
        XCTAssertEqual(cg, .init(hierarchy: "/sys/fs/cgroup", path: "/system.slice/dmo-node.service", kind: .memoryStat(.v2)))
        XCTAssertEqual(m.source, "cgroup v2 /system.slice/dmo-node.service")
    }

    func testUnitMemoryOnRealCgroupV1Host() throws {
        let root = HostRoot(fixture("cgroup-v1-host"))
        XCTAssertEqual(NodeMemoryProbe.cgroupVersion(root), .v1)
        let (m, _) = try NodeMemoryProbe.readUnit("dmo-node.service", root: root).get()
        XCTAssertEqual(m.anonBytes, 2154496, "total_rss, not cache")
    }

    func testUnitFoundOutsideSystemSlice() {
        XCTAssertEqual(NodeMemoryProbe.findUnitCgroup("docker-0a1b.scope", root: HostRoot(fixture("cgroup-v2-vps")), hierarchy: "/sys/fs/cgroup"),
                       "/system.slice/docker-0a1b.scope")
    }

    /// cgroup v1 where the unit has no memory cgroup of its own (memory
    /// accounting off; a container with a read-only memory hierarchy): its
    /// processes are found through the systemd hierarchy and summed.
    func testUnitWithoutAMemoryCgroupOnV1() throws {
        let root = HostRoot(fixture("cgroup-v1-host"))
        let (m, cg) = try NodeMemoryProbe.readUnit("legacy-node.service", root: root).get()
        XCTAssertEqual(cg.kind, .processes)
        XCTAssertEqual(cg.path, "/system.slice/legacy-node.service")
        XCTAssertEqual(m.anonBytes, (300000 + 2000) * 1024, "main process and the one in a child cgroup")
    }

    func testUnitNotRunning() {
        guard case .failure(let e) = NodeMemoryProbe.readUnit("gone.service", root: HostRoot(fixture("cgroup-v2-vps"))) else { return XCTFail() }
        XCTAssertTrue(e.message.hasPrefix("unit gone.service has no cgroup under "), e.message)
        XCTAssertTrue(e.message.hasSuffix("is it running? (systemctl status gone.service)"), e.message)
    }

    func testMemoryStatParsing() {
        XCTAssertEqual(NodeMemoryProbe.parseMemoryStat("file 5\nanon 7\nanon_thp 0\n", version: .v2), 7)
        XCTAssertEqual(NodeMemoryProbe.parseMemoryStat("rss 3\ntotal_rss 9\n", version: .v1), 9)
        XCTAssertEqual(NodeMemoryProbe.parseMemoryStat("cache 1\nrss 3\n", version: .v1), 3)
        XCTAssertNil(NodeMemoryProbe.parseMemoryStat("cache 1\n", version: .v1))
    }

    func testPidfileNodeSumsTheProcessTree() throws {
        let m = try NodeMemoryProbe.readPidfile("/run/dmo-node.pid", root: HostRoot(fixture("cgroup-v2-vps"))).get()
        XCTAssertEqual(m.anonBytes, (500000 + 120000 + 4000) * 1024, "4242 with child 4250 and grandchild 4260, not 999")
        XCTAssertEqual(m.source, "pid 4242 and 2 descendants")
    }

    /// A process's anonymous memory comes from /proc/PID/statm (cheaper for the
    /// kernel to write); it must say what /proc/PID/status's RssAnon says.
    func testStatmAgreesWithStatusRssAnon() throws {
        let v2 = HostRoot(fixture("cgroup-v2-vps"))
        for pid: Int32 in [4242, 4250, 4260, 999] {
            let statm = try XCTUnwrap(v2.readBytes("/proc/\(pid)/statm"))
            let status = try XCTUnwrap(v2.readBytes("/proc/\(pid)/status"))
            XCTAssertEqual(try XCTUnwrap(NodeMemoryProbe.parseStatmAnonPages(statm)) * 4096, try XCTUnwrap(NodeMemoryProbe.parseRssAnon(status)), "pid \(pid)")
        }
        // This very process, on the real kernel: the two agree to within the
        // kernel's per-CPU counter batching.
        let host = HostRoot("/")
        let viaStatm = try XCTUnwrap(NodeMemoryProbe.processAnonBytes(getpid(), root: host))
        let viaStatus = try XCTUnwrap(NodeMemoryProbe.parseRssAnon(try XCTUnwrap(host.readBytes("/proc/\(getpid())/status"))))
        XCTAssertLessThan(abs(Int64(viaStatm) - Int64(viaStatus)), 1 << 20, "statm \(viaStatm) B, status \(viaStatus) B")
        // Without statm (the v1 fixture has only status) the status file is read.
        XCTAssertEqual(NodeMemoryProbe.processAnonBytes(4300, root: HostRoot(fixture("cgroup-v1-host"))), 300000 * 1024)
        XCTAssertNil(NodeMemoryProbe.processAnonBytes(4299, root: HostRoot(fixture("cgroup-v1-host"))))
        XCTAssertNil(NodeMemoryProbe.parseStatmAnonPages(Array("12 3".utf8)))
        XCTAssertEqual(NodeMemoryProbe.parseStatmAnonPages(Array("12 9 4".utf8)), 5)
    }

    /// /proc files kept open between cycles give fresh contents on every read,
    /// a process that exits is noticed, and what is not read is closed.
    func testKeptOpenProcFilesAreReadAfresh() throws {
        KeptOpen.sweep(); KeptOpen.sweep()
        let host = HostRoot("/")
        // /proc/self/stat's utime/stime and minflt change as this process works.
        let a = try XCTUnwrap(host.readBytes("/proc/self/schedstat"))
        // Busy for 50 ms: the kernel books run time at scheduler ticks (4 ms at
        // 250 Hz), so a shorter burst on a fast CPU may not show in schedstat.
        var x = 0
        let until = Now.read().monotonic + 0.05
        while Now.read().monotonic < until { for i in 0..<10_000 { x &+= i &* i } }
        XCTAssertNotEqual(x, 1)
        let b = try XCTUnwrap(host.readBytes("/proc/self/schedstat"))
        XCTAssertNotEqual(a, b, "the kept-open file was not generated afresh")
        XCTAssertEqual(KeptOpen.openCount, 1)
        // A child's statm: readable while it lives, nil once it is gone.
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ), 0)
        XCTAssertNotNil(NodeMemoryProbe.processAnonBytes(pid, root: host))
        kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0)
        XCTAssertNil(NodeMemoryProbe.processAnonBytes(pid, root: host), "a dead process's kept-open statm still read")
        // Two sweeps without a read close everything.
        KeptOpen.sweep(); KeptOpen.sweep()
        XCTAssertEqual(KeptOpen.openCount, 0)
        // Fixture trees are plain files, never kept open.
        _ = HostRoot(fixture("cgroup-v2-vps")).readBytes("/proc/meminfo")
        XCTAssertEqual(KeptOpen.openCount, 0)
    }

    /// A short first read ends a small file; every size around the 2 KiB
    /// line and the 8 KiB buffer still comes back whole, and so does a /proc
    /// file far larger than procfs's 4 KiB page (/proc/kallsyms, read in
    /// 300-byte pieces for comparison).
    func testReadAllReturnsWholeFilesOfEverySize() throws {
        let dir = tempDir()
        for size in [0, 1, 1000, 2047, 2048, 2049, 4096, 5000, 8191, 8192, 8193, 20000] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let path = "\(dir)/f\(size)"
            XCTAssertEqual(FileIO.writeAtomically(path, bytes, durable: false), 0)
            XCTAssertEqual(FileIO.readBytes(path), bytes, "\(size) bytes")
        }
        let big = try XCTUnwrap(FileIO.readBytes("/proc/kallsyms", limit: 200_000))
        let fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var reference: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: 300)
        while reference.count < 200_000 {
            let n = read(fd, &piece, piece.count)
            if n <= 0 { break }
            reference += piece[0..<n]
        }
        XCTAssertGreaterThan(reference.count, 8192)
        let common = min(big.count, reference.count)
        XCTAssertGreaterThan(common, 8192)
        XCTAssertEqual(Array(big[0..<common]), Array(reference[0..<common]))
    }

    /// The node's process tree on the real kernel, read each cycle through
    /// kept-open `children` files and a kept-open, rewound `task` directory:
    /// a child that exits drops out at the next read, and a node that is gone
    /// is reported, not read as an empty tree.
    func testPidfileTreeOnTheHostFollowsChildren() throws {
        KeptOpen.sweep(); KeptOpen.sweep()
        let dir = tempDir()
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"),
            strdup("sleep 30 & echo $! > \(dir)/first; sleep 30 & wait"), nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ), 0)
        defer { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) }
        XCTAssertEqual(FileIO.writeAtomically("\(dir)/node.pid", "\(pid)\n", durable: false), 0)
        let host = HostRoot("/")
        func source() -> String? {
            switch NodeMemoryProbe.readPidfile("\(dir)/node.pid", root: host) {
            case .success(let m): return m.source
            case .failure: return nil
            }
        }
        var seen: String?
        for _ in 0..<200 { seen = source(); if seen == "pid \(pid) and 2 descendants" { break }; usleep(10_000) }
        XCTAssertEqual(seen, "pid \(pid) and 2 descendants")
        XCTAssertEqual(KeptOpen.names("/proc/\(pid)/task"), ["\(pid)"])
        XCTAssertEqual(KeptOpen.names("/proc/\(pid)/task"), ["\(pid)"], "the kept directory was not rewound")
        let first = try XCTUnwrap(FileIO.readText("\(dir)/first").flatMap { Int32($0.trimmingBlanks().filter { $0 != "\n" }) })
        kill(first, SIGKILL)
        for _ in 0..<200 { seen = source(); if seen == "pid \(pid) and 1 descendants" { break }; usleep(10_000) }
        XCTAssertEqual(seen, "pid \(pid) and 1 descendants")
        // The other sleep would outlive the shell (orphans are not killed with it).
        for child in (FileIO.readText("/proc/\(pid)/task/\(pid)/children") ?? "").split(separator: " ") {
            if let c = Int32(child.filter { $0 != "\n" }) { kill(c, SIGKILL) }
        }
        kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0)
        XCTAssertNil(source(), "a node that is gone read as a tree")
        KeptOpen.sweep(); KeptOpen.sweep()
        XCTAssertEqual(KeptOpen.openCount, 0)
    }

    /// A child forked by a thread other than the main one is that thread's
    /// child, listed in its own `children` file: a node with many threads
    /// (python3 with 40 here, one of them forking) still has its tree found.
    func testPidfileTreeIncludesChildrenOfOtherThreads() throws {
        let dir = tempDir()
        let script = """
        import subprocess, threading, time
        done = threading.Event()
        def idle(): done.wait()
        def spawner():
            subprocess.Popen(["sleep", "30"]); open("\(dir)/spawned", "w").close(); done.wait()
        ts = [threading.Thread(target=idle) for _ in range(39)] + [threading.Thread(target=spawner)]
        for t in ts: t.start()
        time.sleep(30)
        """
        XCTAssertEqual(FileIO.writeAtomically("\(dir)/node.py", script, durable: false), 0)
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/usr/bin/python3"), strdup("\(dir)/node.py"), nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/usr/bin/python3", nil, nil, &argv, environ), 0)
        var children: [Int32] = []
        defer {
            for c in children { kill(c, SIGKILL) }
            kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0)
        }
        XCTAssertEqual(FileIO.writeAtomically("\(dir)/node.pid", "\(pid)\n", durable: false), 0)
        for _ in 0..<500 where !FileIO.exists("\(dir)/spawned") { usleep(10_000) }
        XCTAssertTrue(FileIO.exists("\(dir)/spawned"), "the node did not start its child")
        KeptOpen.sweep(); KeptOpen.sweep()
        let host = HostRoot("/")
        XCTAssertEqual(try XCTUnwrap(KeptOpen.names("/proc/\(pid)/task")).count, 41)
        children = NodeMemoryProbe.descendants(of: pid, root: host)
        XCTAssertEqual(children.count, 1, "the child of a non-main thread was missed")
        let main = try XCTUnwrap(FileIO.readText("/proc/\(pid)/task/\(pid)/children"))
        XCTAssertEqual(main, "", "the child should belong to the spawning thread, not the main one")
        let m = try NodeMemoryProbe.readPidfile("\(dir)/node.pid", root: host).get()
        XCTAssertEqual(m.source, "pid \(pid) and 1 descendants")
        // Every file of the tree stays open: statm, the task list, 41 children files, the child's.
        XCTAssertGreaterThanOrEqual(KeptOpen.openCount, 44)
        KeptOpen.sweep(); KeptOpen.sweep()
    }

    /// A unit's memory.stat on the real kernel stays open between cycles; when
    /// systemd removes the cgroup and makes it again (a restart), the old
    /// descriptor fails (ENODEV) and the new cgroup is found and read; when
    /// it is gone, the unit is reported as not running.
    func testUnitCgroupOnTheHostIsFollowedAcrossARestart() throws {
        let host = HostRoot("/")
        let version = try XCTUnwrap(NodeMemoryProbe.cgroupVersion(host), "no memory cgroup on this host")
        let hierarchy = NodeMemoryProbe.memoryHierarchy(version)
        let unit = "nodeguard-test-\(getpid()).service"
        let dir = hierarchy + "/" + unit
        guard mkdir(dir, 0o755) == 0 else { throw XCTSkip("cannot make a cgroup at \(dir): \(FileIO.errorText(errno)) (needs root)") }
        defer { rmdir(dir) }
        KeptOpen.sweep(); KeptOpen.sweep()
        func read(_ cached: NodeMemoryProbe.UnitCgroup?) -> Result<(NodeMemory, NodeMemoryProbe.UnitCgroup), ProbeError> {
            NodeMemoryProbe.readUnit(unit, root: host, cached: cached)
        }
        let (first, cg) = try read(nil).get()
        XCTAssertEqual(cg.path, "/" + unit)
        XCTAssertEqual(first.anonBytes, 0, "an empty cgroup has no anonymous memory")
        XCTAssertEqual(KeptOpen.openCount, 1, "memory.stat is kept open")
        XCTAssertEqual(try read(cg).get().1, cg)
        // A restart: the same path, a new cgroup.
        XCTAssertEqual(rmdir(dir), 0)
        XCTAssertEqual(mkdir(dir, 0o755), 0)
        XCTAssertEqual(try read(cg).get().1, cg, "the re-made cgroup was not read")
        XCTAssertEqual(rmdir(dir), 0)
        guard case .failure(let e) = read(cg) else { return XCTFail("a removed cgroup still read") }
        XCTAssertTrue(e.message.hasPrefix("unit \(unit) has no cgroup under "), e.message)
        KeptOpen.sweep(); KeptOpen.sweep()
        XCTAssertEqual(KeptOpen.openCount, 0)
    }

    func testPidsFromChildrenLists() {
        XCTAssertEqual(NodeMemoryProbe.parsePid(ArraySlice(Array("4250".utf8))), 4250)
        XCTAssertEqual(NodeMemoryProbe.parsePid(ArraySlice(Array("4260\n".utf8))), 4260)
        XCTAssertNil(NodeMemoryProbe.parsePid(ArraySlice(Array("\n".utf8))))
        XCTAssertNil(NodeMemoryProbe.parsePid(ArraySlice(Array("0".utf8))))
        XCTAssertNil(NodeMemoryProbe.parsePid(ArraySlice(Array("12x".utf8))))
        XCTAssertNil(NodeMemoryProbe.parsePid(ArraySlice(Array("99999999999".utf8))))
    }

    /// Files are read with pread (kept-open /proc files from offset 0), but a
    /// pipe cannot seek: `nodeguard config check <(...)` must still work.
    func testReadAllReadsAPipe() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let text = Array("interval = \"5s\"\n".utf8)
        XCTAssertEqual(write(fds[1], text, text.count), text.count)
        close(fds[1])
        defer { close(fds[0]) }
        XCTAssertEqual(FileIO.readAll(fds[0]), text)
    }

    func testParentPidWithSpacesAndParensInTheName() {
        XCTAssertEqual(NodeMemoryProbe.parseParentPid("4250 (dmo worker (1)) S 4242 4250 4250 0"), 4242)
        XCTAssertNil(NodeMemoryProbe.parseParentPid("garbage"))
    }

    func testStalePidfile() {
        let dir = tempDir()
        FileIO.makeDirectories(dir + "/run")
        FileIO.writeAtomically(dir + "/run/n.pid", "77777\n", durable: false)
        guard case .failure(let e) = NodeMemoryProbe.readPidfile("/run/n.pid", root: HostRoot(dir)) else { return XCTFail() }
        XCTAssertEqual(e.message, "process 77777 from \(dir)/run/n.pid is not running (stale pidfile)")
    }

    func testDiskProbeReadsARealFilesystem() throws {
        let u = try DiskProbe.read("/", root: HostRoot(tempDir())).get()
        XCTAssertGreaterThan(u.totalBytes, 0)
        XCTAssertLessThanOrEqual(u.freeBytes, u.totalBytes)
        guard case .failure(let e) = DiskProbe.read("/no/such/mount", root: HostRoot()) else { return XCTFail() }
        XCTAssertEqual(e.message, "cannot check disk space of /no/such/mount: No such file or directory; fix [disk] paths")
    }

    func testDiskShares() {
        let u = DiskUsage.from(path: "/", blockSize: 4096, blocks: 1000, blocksAvailable: 50, files: 0, filesAvailable: 0)
        XCTAssertEqual(u.freeShare, 0.05, accuracy: 1e-9)
        XCTAssertEqual(u.freeInodesShare, 1, "no inode accounting is never full")
    }
}
