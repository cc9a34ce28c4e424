// HTTP/1.1 over a unix socket, for the Docker Engine API: one request per
// connection, Content-Length and chunked replies, and connect and read
// deadlines so a hung dockerd can never stall the check loop.
#if canImport(Glibc)
import Glibc
#endif

public struct HTTPResponse: Equatable, Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
    }
    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.0.lowercased() == n }?.1
    }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public struct HTTPError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case connect, timeout, cutShort, malformed }
    public var kind: Kind
    public var message: String
}

public enum HTTP1 {
    /// Parses a reply from what has arrived so far. nil: more bytes are
    /// needed. `eof`: the peer closed, so what is there is all there will be.
    public static func parse(_ b: [UInt8], eof: Bool, headRequest: Bool = false) throws(HTTPError) -> HTTPResponse? {
        guard let headEnd = find(b, [13, 10, 13, 10], from: 0) else {
            if eof { throw HTTPError(kind: .cutShort, message: b.isEmpty ? "the connection closed without a reply" : "the reply was cut short in its headers") }
            if b.count > 64 * 1024 { throw HTTPError(kind: .malformed, message: "reply headers longer than 64 KiB") }
            return nil
        }
        let head = String(decoding: b[0..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
            throw HTTPError(kind: .malformed, message: "not an HTTP/1.x status line: `\(statusLine.prefix(60))`")
        }
        var headers: [(String, String)] = []
        for l in lines where !l.isEmpty {
            guard let colon = l.firstIndex(of: ":") else { throw HTTPError(kind: .malformed, message: "malformed header line `\(l.prefix(60))`") }
            headers.append((String(l[..<colon]), String(l[l.index(after: colon)...]).trimmingBlanks()))
        }
        let resp = HTTPResponse(status: status, headers: headers, body: [])
        let bodyStart = headEnd + 4
        if headRequest || status == 204 || status == 304 || (100..<200).contains(status) {
            return resp
        }
        if let te = resp.header("Transfer-Encoding"), te.lowercased().contains("chunked") {
            return try parseChunked(b, from: bodyStart, eof: eof, response: resp)
        }
        if let cl = resp.header("Content-Length") {
            guard let n = Int(cl), n >= 0 else { throw HTTPError(kind: .malformed, message: "bad Content-Length `\(cl)`") }
            if b.count - bodyStart >= n { var r = resp; r.body = Array(b[bodyStart..<bodyStart + n]); return r }
            if eof { throw HTTPError(kind: .cutShort, message: "the reply was cut short: \(b.count - bodyStart) of \(n) bytes") }
            return nil
        }
        // No framing: the body ends when the connection does.
        if eof { var r = resp; r.body = Array(b[bodyStart...]); return r }
        return nil
    }

    static func parseChunked(_ b: [UInt8], from start: Int, eof: Bool, response: HTTPResponse) throws(HTTPError) -> HTTPResponse? {
        var body: [UInt8] = []
        var i = start
        while true {
            guard let lineEnd = find(b, [13, 10], from: i) else {
                if eof { throw HTTPError(kind: .cutShort, message: "the chunked reply was cut short") }
                return nil
            }
            let sizeText = String(decoding: b[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map { String($0).trimmingBlanks() } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPError(kind: .malformed, message: "bad chunk size `\(sizeText.prefix(20))`")
            }
            let dataStart = lineEnd + 2
            if size == 0 {
                // Trailers, if any, end with an empty line.
                guard find(b, [13, 10], from: dataStart) != nil else {
                    if eof { throw HTTPError(kind: .cutShort, message: "the chunked reply was cut short") }
                    return nil
                }
                var r = response
                r.body = body
                return r
            }
            guard b.count >= dataStart + size + 2 else {
                if eof { throw HTTPError(kind: .cutShort, message: "the chunked reply was cut short in a chunk") }
                return nil
            }
            guard b[dataStart + size] == 13, b[dataStart + size + 1] == 10 else {
                throw HTTPError(kind: .malformed, message: "a chunk does not end with CRLF")
            }
            body.append(contentsOf: b[dataStart..<dataStart + size])
            i = dataStart + size + 2
        }
    }

    static func find(_ b: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard b.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= b.count {
            if b[i] == needle[0] {
                var match = true
                for k in 1..<needle.count where b[i + k] != needle[k] { match = false; break }
                if match { return i }
            }
            i += 1
        }
        return nil
    }

    public static func request(method: String, path: String, body: [UInt8]? = nil) -> [UInt8] {
        var s = "\(method) \(path) HTTP/1.1\r\nHost: docker\r\nUser-Agent: nodeguard/\(NodeGuardVersion.string)\r\nConnection: close\r\n"
        if let body { s += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        else if method == "POST" { s += "Content-Length: 0\r\n" }
        s += "\r\n"
        return Array(s.utf8) + (body ?? [])
    }
}

public struct UnixHTTPClient: Sendable {
    public var socketPath: String
    public var connectTimeout: Double
    public var readTimeout: Double

    public init(socketPath: String, connectTimeout: Double = 1, readTimeout: Double = 5) {
        self.socketPath = socketPath; self.connectTimeout = connectTimeout; self.readTimeout = readTimeout
    }

    /// `whileWaiting` runs about every 100 ms while the reply is awaited (the
    /// daemon feeds its watchdog there); `readTimeout` overrides the default.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, readTimeout: Double? = nil,
                     whileWaiting: () -> Void = {}) -> Result<HTTPResponse, HTTPError> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(HTTPError(kind: .connect, message: "socket: \(FileIO.errorText(errno))")) }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            return .failure(HTTPError(kind: .connect, message: "socket path \(socketPath) is too long"))
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in for (i, c) in pathBytes.enumerated() { buf[i] = c } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let e = errno
            if e == EINPROGRESS || e == EAGAIN {
                guard wait(fd, for: Int16(POLLOUT), deadline: Now.read().monotonic + connectTimeout, whileWaiting: whileWaiting) else {
                    return .failure(HTTPError(kind: .timeout, message: "no answer from \(socketPath) within \(Duration.format(connectTimeout)) (connect)"))
                }
            } else {
                return .failure(HTTPError(kind: .connect, message: "cannot connect to \(socketPath): \(FileIO.errorText(e))"))
            }
        }
        let deadline = Now.read().monotonic + (readTimeout ?? self.readTimeout)
        let req = HTTP1.request(method: method, path: path, body: body)
        var sent = 0
        while sent < req.count {
            let n = req.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) {
                guard wait(fd, for: Int16(POLLOUT), deadline: deadline, whileWaiting: whileWaiting) else {
                    return .failure(HTTPError(kind: .timeout, message: "\(socketPath) did not take the request in time"))
                }
                continue
            }
            return .failure(HTTPError(kind: .connect, message: "sending to \(socketPath): \(FileIO.errorText(errno))"))
        }
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buf.append(contentsOf: chunk[0..<n])
                if buf.count > 8 << 20 { return .failure(HTTPError(kind: .malformed, message: "reply larger than 8 MiB")) }
                do { if let r = try HTTP1.parse(buf, eof: false, headRequest: method == "HEAD") { return .success(r) } }
                catch { return .failure(error) }
                continue
            }
            if n == 0 {
                do {
                    if let r = try HTTP1.parse(buf, eof: true, headRequest: method == "HEAD") { return .success(r) }
                    return .failure(HTTPError(kind: .cutShort, message: "the reply was cut short"))
                } catch { return .failure(error) }
            }
            if errno == EAGAIN || errno == EINTR {
                guard wait(fd, for: Int16(POLLIN), deadline: deadline, whileWaiting: whileWaiting) else {
                    return .failure(HTTPError(kind: .timeout, message: "no reply from \(socketPath) within \(Duration.format(readTimeout ?? self.readTimeout))"))
                }
                continue
            }
            return .failure(HTTPError(kind: .connect, message: "reading from \(socketPath): \(FileIO.errorText(errno))"))
        }
    }

    /// Polls in 100 ms steps until ready or the deadline.
    func wait(_ fd: Int32, for events: Int16, deadline: Double, whileWaiting: () -> Void) -> Bool {
        while true {
            let left = deadline - Now.read().monotonic
            if left <= 0 { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(left, 0.1) * 1000) + 1)
            if r > 0 { return true }
            if r < 0 && errno != EINTR { return true }   // let the next call report the error
            whileWaiting()
        }
    }
}
