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
        headers.first { Self.sameName($0.0, name) }?.1
    }
    /// Header names compare without case (ASCII), and without a copy.
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 97 && (x | 0x20) <= 122) }
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
        // The head is read as bytes: String's Character-wise search costs
        // hundreds of thousands of instructions a reply, every exchange.
        let statusEnd = find(b, [13, 10], from: 0) ?? headEnd
        guard let status = statusCode(b[0..<statusEnd]) else {
            throw HTTPError(kind: .malformed, message: "not an HTTP/1.x status line: `\(String(decoding: b[0..<statusEnd], as: UTF8.self).prefix(60))`")
        }
        var headers: [(String, String)] = []
        var start = statusEnd + 2
        while start < headEnd {
            let end = min(find(b, [13, 10], from: start) ?? headEnd, headEnd)
            if end > start {
                guard let colon = b[start..<end].firstIndex(of: UInt8(ascii: ":")) else {
                    throw HTTPError(kind: .malformed, message: "malformed header line `\(String(decoding: b[start..<end], as: UTF8.self).prefix(60))`")
                }
                headers.append((String(decoding: b[start..<colon], as: UTF8.self), String(decoding: trimmed(b[(colon + 1)..<end]), as: UTF8.self)))
            }
            start = end + 2
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

    /// "HTTP/1.x NNN reason": NNN, if the line is one.
    static func statusCode(_ line: ArraySlice<UInt8>) -> Int? {
        guard line.starts(with: Array("HTTP/1.".utf8)), let space = line.firstIndex(of: 32) else { return nil }
        let digits = line[(space + 1)...].prefix { $0 != 32 }
        guard digits.count == 3, digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        return (100...599).contains(code) ? code : nil
    }

    /// Without the blanks (spaces, tabs) at either end.
    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 32 || f == 9 { s = s.dropFirst() }
        while let l = s.last, l == 32 || l == 9 { s = s.dropLast() }
        return s
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
