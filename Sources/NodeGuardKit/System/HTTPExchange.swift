// One HTTP/1.1 request and its reply over a non-blocking socket (a unix
// socket for Docker, TCP for a node's RPC), stepped by its owner: nothing
// here ever waits past the deadline it was given, so a node that accepts a
// connection and never answers cannot hold the check loop.
#if canImport(Glibc)
import Glibc
#endif

/// Where a node's RPC answers: an IP literal (no DNS in the daemon) and a port.
public struct TCPAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public var path: String
    var isV6: Bool { host.contains(":") }

    public var description: String { (isV6 ? "[\(host)]" : host) + ":\(port)" }

    /// "http://127.0.0.1:8332/", "http://[::1]:8545", "http://localhost:18081/json_rpc".
    public static func parse(url: String) throws(HTTPError) -> TCPAddress {
        func bad(_ why: String) -> HTTPError { HTTPError(kind: .malformed, message: "rpc_url `\(url)`: \(why)") }
        if url.hasPrefix("https://") {
            throw bad("https is not supported for a node's RPC, which nodeguard reaches over loopback; use http://127.0.0.1:PORT/")
        }
        guard url.hasPrefix("http://") else { throw bad("write it as http://HOST:PORT/PATH, such as http://127.0.0.1:8332/") }
        let rest = url.dropFirst(7)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        guard !authority.contains("@") else { throw bad("credentials in the URL would end up in logs; use rpc_cookie or rpc_user with rpc_password_file") }
        var host: Substring, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 address is written in brackets, as in http://[::1]:8545/") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portText = after.hasPrefix(":") ? after.dropFirst() : nil
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            portText = parts.count > 1 ? parts[1] : nil
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard let portText, let port = UInt16(portText), port > 0 else { throw bad("give the port, as in http://127.0.0.1:8332/") }
        var probe4 = in_addr(), probe6 = in6_addr()
        guard inet_pton(AF_INET, String(host), &probe4) == 1 || inet_pton(AF_INET6, String(host), &probe6) == 1 else {
            throw bad("`\(host)` is not an IP address; nodeguard does not resolve names, write the address (127.0.0.1)")
        }
        return TCPAddress(host: String(host), port: port, path: path)
    }
}

/// A request in flight. `step(wait:)` moves it on for at most `wait` seconds.
public final class HTTPExchange {
    public enum Progress { case pending, done(HTTPResponse), failed(HTTPError) }
    enum Phase { case connecting, sending, receiving, finished }

    private var fd: Int32 = -1
    private var phase = Phase.connecting
    private let request: [UInt8]
    private var sent = 0
    private var received: [UInt8] = []
    private let headRequest: Bool
    /// Monotonic seconds past which the exchange fails.
    public let deadline: Double
    /// For messages: "127.0.0.1:8332", "/run/docker.sock".
    let peer: String
    private var outcome: Progress = .pending
    private let started = Now.read().monotonic
    /// The peer took the connection (a failure after it is the peer's silence, not the network's).
    public private(set) var connected = false

    /// Starts connecting; a failure to even begin is kept as the outcome.
    public init(unix path: String, request: [UInt8], deadline: Double, headRequest: Bool = false) {
        self.request = request; self.deadline = deadline; self.headRequest = headRequest; peer = path
        guard var addr = UnixAddress(path) else {
            fail(.connect, "socket path \(path) is too long")
            return
        }
        start(AF_UNIX, &addr.storage, addr.length)
    }

    public init(tcp a: TCPAddress, request: [UInt8], deadline: Double) {
        self.request = request; self.deadline = deadline; headRequest = false; peer = a.description
        if a.isV6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = a.port.bigEndian
            _ = inet_pton(AF_INET6, a.host, &addr.sin6_addr)
            start(AF_INET6, &addr, socklen_t(MemoryLayout<sockaddr_in6>.size))
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = a.port.bigEndian
            _ = inet_pton(AF_INET, a.host, &addr.sin_addr)
            start(AF_INET, &addr, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    private func start<A>(_ family: Int32, _ addr: inout A, _ len: socklen_t) {
        fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return fail(.connect, "socket: \(FileIO.errorText(errno))") }
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, len) } }
        if rc == 0 { phase = .sending; connected = true; return }
        let e = errno
        if e == EINPROGRESS || e == EAGAIN || e == EINTR { return }
        fail(.connect, "cannot connect to \(peer): \(FileIO.errorText(e))")
    }

    private func fail(_ kind: HTTPError.Kind, _ message: String) {
        finish(.failed(HTTPError(kind: kind, message: message)))
    }

    private func finish(_ p: Progress) {
        outcome = p
        phase = .finished
        if fd >= 0 { close(fd); fd = -1 }
    }

    /// Moves the exchange on: polls for at most `wait` seconds (0: only what is ready now).
    /// A reply that is there is taken even when the deadline has passed since.
    public func step(wait: Double) -> Progress { step(until: Now.read().monotonic + wait) }

    /// The same, until a monotonic instant.
    public func step(until: Double) -> Progress {
        while phase != .finished {
            let now = Now.read().monotonic
            var p = pollfd(fd: fd, events: phase == .receiving ? Int16(POLLIN) : Int16(POLLOUT), revents: 0)
            // Rounded up: a wait under a millisecond would poll(0) and spin until `until`.
            let r = poll(&p, 1, Int32((max(0, min(until, deadline) - now) * 1000).rounded(.up)))
            if r > 0 { advance(); continue }
            if r < 0 {
                if errno == EINTR { continue }
                fail(.connect, "poll: \(FileIO.errorText(errno))")
                break
            }
            let after = Now.read().monotonic
            if after >= deadline { return timedOut() }
            if after >= until { return .pending }
        }
        return outcome
    }

    private func timedOut() -> Progress {
        let limit = TimeSpan.format(((deadline - started) * 1000).rounded() / 1000)
        switch phase {
        case .connecting: fail(.timeout, "no answer from \(peer) within \(limit) (connect)")
        case .sending: fail(.timeout, "\(peer) did not take the request within \(limit)")
        default: fail(.timeout, "no reply from \(peer) within \(limit)")
        }
        return outcome
    }

    /// One step of the socket that poll says is ready.
    private func advance() {
        switch phase {
        case .connecting:
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { return fail(.connect, "cannot connect to \(peer): \(FileIO.errorText(err))") }
            phase = .sending
            connected = true
            advance()   // a socket just connected takes the request at once: no second poll
        case .sending:
            let n = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; if sent == request.count { phase = .receiving }; return }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            fail(.connect, "sending to \(peer): \(FileIO.errorText(errno))")
        case .receiving:
            receive()
        case .finished:
            break
        }
    }

    private func receive() {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            return fail(.connect, "reading from \(peer): \(FileIO.errorText(errno))")
        }
        if n > 0 { received.append(contentsOf: chunk[0..<n]) }
        if received.count > 8 << 20 { return fail(.malformed, "reply from \(peer) larger than 8 MiB") }
        do {
            if let r = try HTTP1.parse(received, eof: n == 0, headRequest: headRequest) { finish(.done(r)) }
            else if n == 0 { fail(.cutShort, "the reply from \(peer) was cut short") }
        } catch {
            finish(.failed(error))
        }
    }
}
