// A fake systemd: the NOTIFY_SOCKET a daemon under test sends sd_notify's
// messages to, read with the time each arrived.
import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

final class NotifySocket {
    let fd: Int32
    let path: String
    init() {
        path = tempDir() + "/notify.sock"
        fd = boundUnixSocket(path, SOCK_DGRAM)
    }
    /// Messages with the monotonic time they arrived, until `seconds` pass.
    func read(for seconds: Double, until stop: (String) -> Bool = { _ in false }) -> [(Double, String)] {
        var out: [(Double, String)] = []
        let end = Now.read().monotonic + seconds
        var buf = [UInt8](repeating: 0, count: 4096)
        while Now.read().monotonic < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { continue }
            let m = String(decoding: buf[0..<n], as: UTF8.self)
            out.append((Now.read().monotonic, m))
            if stop(m) { break }
        }
        return out
    }
    deinit { close(fd); unlink(path) }
}
