// Runs a configured command: an argv, no shell (a config value can never be
// interpreted as shell syntax), with a timeout after which it is killed.
#if canImport(Glibc)
import Glibc
#endif

public enum CommandRunner {
    /// `whileWaiting` is called about every 100 ms, so the caller can keep
    /// pinging the watchdog while a bounded command runs.
    public static func run(_ argv: [String], timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        guard let program = argv.first else { return ActionOutcome(succeeded: false, detail: "empty command") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return ActionOutcome(succeeded: false, detail: "pipe: \(FileIO.errorText(errno))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)

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
        let rc = posix_spawn(&pid, program, &actions, &attr, cArgs, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            return ActionOutcome(succeeded: false, detail: "cannot run \(program): \(FileIO.errorText(rc))")
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var output: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1024)
        let start = Now.read().monotonic
        var status: Int32 = 0
        var timedOut = false
        while true {
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
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
            var ts = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&ts, nil)
        }
        while output.count < 4096 {
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n <= 0 { break }
            output.append(contentsOf: buf[0..<n])
        }
        close(fds[0])
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " / ")
        let tail = text.isEmpty ? "" : ": \(text)"
        if timedOut { return ActionOutcome(succeeded: false, detail: "\(program) killed after the \(Duration.format(timeout)) timeout\(tail)") }
        // WIFEXITED / WEXITSTATUS are macros; decode the wait status by hand.
        if status & 0x7f == 0 {
            let code = (status >> 8) & 0xff
            return ActionOutcome(succeeded: code == 0, detail: "\(program) exited with status \(code)\(tail)")
        }
        return ActionOutcome(succeeded: false, detail: "\(program) killed by signal \(status & 0x7f)\(tail)")
    }
}
