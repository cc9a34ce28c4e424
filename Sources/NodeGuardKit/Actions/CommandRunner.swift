// Runs a configured command: an argv, no shell (a config value can never be
// interpreted as shell syntax), with a timeout after which it is killed.
#if canImport(Glibc)
import Glibc
#endif
import CNodeGuard

public enum CommandRunner {
    /// `whileWaiting` is called about every 100 ms, so the caller can keep
    /// pinging the watchdog while a bounded command runs.
    /// `input`: given to its stdin (else /dev/null); `environment`: added to nodeguard's own.
    public static func run(_ argv: [String], timeout: Double, input: [UInt8]? = nil, environment: [String] = [],
                           whileWaiting: () -> Void = {}) -> ActionOutcome {
        capturing(argv, timeout: timeout, input: input, environment: environment, whileWaiting: whileWaiting).outcome
    }

    /// As run, and the first 4 KiB of what the command wrote.
    public static func capturing(_ argv: [String], timeout: Double, input: [UInt8]? = nil, environment: [String] = [],
                                 whileWaiting: () -> Void = {}) -> (outcome: ActionOutcome, output: String) {
        guard let program = argv.first else { return (ActionOutcome(succeeded: false, detail: "empty command"), "") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return (ActionOutcome(succeeded: false, detail: "pipe: \(FileIO.errorText(errno))"), "") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let stdin = input.map(Self.memoryFile) ?? -1
        let spawned = spawn(argv, output: fds[1], input: stdin, environment: environment)
        close(fds[1])
        if stdin >= 0 { close(stdin) }
        guard case .success(let pid) = spawned else {
            close(fds[0])
            if case .failure(let rc) = spawned { return (ActionOutcome(succeeded: false, detail: "cannot run \(program): \(FileIO.errorText(rc.code))"), "") }
            return (ActionOutcome(succeeded: false, detail: "cannot run \(program)"), "")
        }
        let (status, timedOut, output) = wait(pid, output: fds[0], timeout: timeout, whileWaiting: whileWaiting)
        close(fds[0])
        let all = String(decoding: output, as: UTF8.self)
        let text = all.split(separator: "\n").suffix(3).joined(separator: " / ")
        let tail = text.isEmpty ? "" : ": \(text)"
        if timedOut { return (ActionOutcome(succeeded: false, detail: "\(program) killed after the \(TimeSpan.format(timeout)) timeout\(tail)"), all) }
        // WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
        if status & 0x7f == 0 {
            let code = (status >> 8) & 0xff
            return (ActionOutcome(succeeded: code == 0, detail: "\(program) exited with status \(code)\(tail)", exitStatus: code), all)
        }
        return (ActionOutcome(succeeded: false, detail: "\(program) killed by signal \(status & 0x7f)\(tail)"), all)
    }

    struct SpawnError: Error { var code: Int32 }

    /// The child in a process group of its own, stdin from /dev/null, stdout
    /// and stderr into `output`, with the signal mask and handlers of a fresh process.
    static func spawn(_ argv: [String], output: Int32, input: Int32 = -1, environment: [String] = []) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input >= 0 {
            posix_spawn_file_actions_adddup2(&actions, input, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        // The daemon blocks its signals to wait for them; the child must not inherit that.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGHUP, SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard !environment.isEmpty else {
            let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, environ)
            return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
        }
        var inherited: [UnsafeMutablePointer<CChar>?] = []
        var e = environ
        while let p = e.pointee { inherited.append(strdup(p)); e += 1 }
        let cEnv = inherited + environment.map { strdup($0) } + [nil]
        defer { cEnv.forEach { free($0) } }
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, cArgs, cEnv)
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc))
    }

    /// Bytes in an unlinked in-memory file, at offset 0: a child's stdin of any size.
    static func memoryFile(_ bytes: [UInt8]) -> Int32 {
        let fd = ng_memfd("nodeguard-input")
        guard fd >= 0 else { return -1 }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            off += n
        }
        lseek(fd, 0, SEEK_SET)
        return fd
    }

    /// Waits for the child, reading up to 4 KiB of its output; past the
    /// timeout its whole process group is killed.
    static func wait(_ pid: pid_t, output fd: Int32, timeout: Double, whileWaiting: () -> Void) -> (status: Int32, timedOut: Bool, output: [UInt8]) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var output: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1024)
        let start = Now.read().monotonic
        var status: Int32 = 0
        var timedOut = false
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 && output.count < 4096 { output.append(contentsOf: buf[0..<n]) }
            let w = waitpid(pid, &status, WNOHANG)
            if w == pid { break }
            if w < 0 && errno != EINTR { break }
            if Now.read().monotonic - start > timeout {
                timedOut = true
                kill(-pid, SIGKILL) // its process group: children too
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                break
            }
            whileWaiting()
            Now.sleep(0.1)
        }
        while output.count < 4096 {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output.append(contentsOf: buf[0..<n])
        }
        return (status, timedOut, output)
    }
}
