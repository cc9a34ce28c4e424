// The two systemd protocols the daemon speaks every cycle, spoken directly
// rather than through libsystemd (which costs ~0.6 MiB resident): journald's
// native protocol (one datagram of fields to /run/systemd/journal/socket)
// and sd_notify (one datagram of "KEY=value" lines to $NOTIFY_SOCKET). Each
// keeps its socket open, so a cycle's notification is one sendto.
#if canImport(Glibc)
import Glibc
#endif

enum SystemdSockets {
    /// A datagram socket kept open, sending to one address.
    final class Sender {
        private var fd: Int32 = -1
        private let address: UnixAddress

        /// `path`: a filesystem path, or "@name" for the abstract namespace (as $NOTIFY_SOCKET may be).
        init?(path: String) {
            guard let a = UnixAddress(path) else { return nil }
            address = a
        }

        deinit { if fd >= 0 { close(fd) } }

        /// 0, or the errno.
        @discardableResult
        func send(_ bytes: [UInt8]) -> Int32 {
            if fd < 0 { fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
            guard fd >= 0 else { return errno }
            let n = bytes.withUnsafeBytes { b in
                address.withSockaddr { sendto(fd, b.baseAddress, b.count, Int32(MSG_NOSIGNAL), $0, $1) }
            }
            return n == bytes.count ? 0 : errno
        }
    }

    /// journald's native protocol: "KEY=value\n", or for a value holding a
    /// newline "KEY\n", its length as 64-bit little-endian, the value, "\n".
    static func journalDatagram(_ fields: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        for (key, value) in fields {
            out += key.utf8
            if value.utf8.contains(UInt8(ascii: "\n")) {
                out.append(UInt8(ascii: "\n"))
                var n = UInt64(value.utf8.count).littleEndian
                withUnsafeBytes(of: &n) { out += $0 }
            } else {
                out.append(UInt8(ascii: "="))
            }
            out += value.utf8
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    nonisolated(unsafe) static let journal = Sender(path: "/run/systemd/journal/socket")
    nonisolated(unsafe) static let notify: Sender? = getenv("NOTIFY_SOCKET").flatMap { Sender(path: String(cString: $0)) }

    /// $WATCHDOG_USEC when $WATCHDOG_PID is unset or this process, as sd_watchdog_enabled reads them.
    static func watchdogMicroseconds() -> UInt64? {
        guard let usec = getenv("WATCHDOG_USEC").flatMap({ UInt64(String(cString: $0)) }), usec > 0 else { return nil }
        if let pid = getenv("WATCHDOG_PID").map({ String(cString: $0) }), Int32(pid) != getpid() { return nil }
        return usec
    }
}
