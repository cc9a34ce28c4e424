// HTTP/1.1 replies (Content-Length and chunked) and requests, and the Docker
// Engine API's client over a unix socket: one request per connection,
// stepped through HTTPExchange with one deadline, so a hung dockerd can
// never stall the check loop (the watchdog is fed while it waits).
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

    /// One request, closing the connection after the reply. `headers` may
    /// carry credentials: the bytes go to the socket and nowhere else.
    public static func request(method: String, path: String, body: [UInt8]? = nil, host: String = "docker",
                               headers: [(String, String)] = []) -> [UInt8] {
        var s = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: nodeguard/\(NodeGuardVersion.string)\r\nConnection: close\r\n"
        for (k, v) in headers { s += "\(k): \(v)\r\n" }
        if let body { s += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        else if method == "POST" { s += "Content-Length: 0\r\n" }
        s += "\r\n"
        return Array(s.utf8) + (body ?? [])
    }
}

public struct UnixHTTPClient: Sendable {
    public var socketPath: String
    public var readTimeout: Double

    public init(socketPath: String, readTimeout: Double = 5) {
        self.socketPath = socketPath; self.readTimeout = readTimeout
    }

    /// `whileWaiting` runs about every 100 ms while the reply is awaited (the
    /// daemon feeds its watchdog there); `readTimeout` overrides the default.
    public func send(_ method: String, _ path: String, body: [UInt8]? = nil, readTimeout: Double? = nil,
                     whileWaiting: () -> Void = {}) -> Result<HTTPResponse, HTTPError> {
        // A unix socket's connect completes or fails at once: one deadline covers the exchange.
        let deadline = Now.read().monotonic + (readTimeout ?? self.readTimeout)
        let exchange = HTTPExchange(unix: socketPath, request: HTTP1.request(method: method, path: path, body: body),
                                    deadline: deadline, headRequest: method == "HEAD")
        while true {
            switch exchange.step(wait: 0.1) {
            case .pending: whileWaiting()
            case .done(let r): return .success(r)
            case .failed(let e): return .failure(e)
            }
        }
    }
}
