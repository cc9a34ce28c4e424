// A node's RPC as the liveness check asks it: one call at a time, started
// when due and collected without waiting past a short patience, so a node
// that never answers costs the cycle nothing but that patience; credentials
// read from their file when it changes (bitcoind rewrites its cookie at
// every start). Secrets go into the request and nowhere else.
#if canImport(Glibc)
import Glibc
#endif

public final class ChainRPC {
    private(set) var settings: LivenessSettings
    private var address: TCPAddress?
    private var credentials: RPCCredentials
    /// bitcoind forks without getblockchaininfo: asked getblockcount from then on.
    private(set) var fallback = false
    private var call: HTTPExchange?

    public init(_ s: LivenessSettings) {
        settings = s
        address = try? TCPAddress.parse(url: s.url)
        credentials = RPCCredentials(s.credentials, inline: s.inlinePassword)
    }

    func update(_ s: LivenessSettings) {
        guard s != settings else { return }
        if s.url != settings.url || s.dialect != settings.dialect { call = nil; fallback = false }
        if s.credentials != settings.credentials || s.inlinePassword != settings.inlinePassword {
            credentials = RPCCredentials(s.credentials, inline: s.inlinePassword)
        }
        settings = s
        address = try? TCPAddress.parse(url: s.url)
    }

    public var inFlight: Bool { call != nil }

    /// Starts a call; a failure to start (credentials unreadable) is the reply at once.
    public func start(monotonic: Double) -> ChainReply? {
        guard let address else { return .failure(.failing("rpc_url `\(settings.url)` cannot be used")) }
        var headers: [(String, String)] = [("Accept", "application/json")]
        switch credentials.authorization() {
        case .success(let auth?): headers.append(("Authorization", auth))
        case .success(nil): break
        case .failure(let f): return .failure(f)
        }
        let body = ChainReplies.body(settings.dialect, fallback: fallback)
        let request = HTTP1.request(method: body == nil ? "GET" : "POST", path: address.path, body: body,
                                    host: address.description, headers: headers)
        call = HTTPExchange(tcp: address, request: request, deadline: monotonic + settings.timeout)
        return nil
    }

    /// The reply once the call in flight has one, waiting at most until `until`
    /// (monotonic); nil while it is still pending (or none is in flight).
    public func collect(until: Double, wall: Double) -> ChainReply? {
        guard let c = call else { return nil }
        switch c.step(until: until) {
        case .pending:
            return nil
        case .failed(let e):
            call = nil
            return .failure(.unreachable(e.message))
        case .done(let r):
            call = nil
            let reply = ChainReplies.parse(settings.dialect, r, heightPointer: settings.heightPointer, now: wall)
            if reply == .useFallback, !fallback {
                // An older fork: ask again, the getblockcount way, at once.
                fallback = true
                if let failed = start(monotonic: c.deadline - settings.timeout) { return failed }
                return collect(until: until, wall: wall)
            }
            if case .failure(.credentials(let m)) = reply { return .failure(.credentials("\(m); nodeguard used \(credentials.source)")) }
            return reply
        }
    }
}

/// The Authorization header, rebuilt when the file it comes from changes.
struct RPCCredentials {
    let source: RPCCredentialSource
    private let inline: String?
    private var seen: (ino: UInt64, mtime: Int, nsec: Int, size: Int64)?
    private var header: String?

    init(_ source: RPCCredentialSource, inline: String?) { self.source = source; self.inline = inline }

    mutating func authorization() -> Result<String?, RPCFailure> {
        switch source {
        case .none: return .success(nil)
        case .inline(let user): return .success(Self.basic(user + ":" + (inline ?? "")))
        case .cookie(let path): return fromFile(path) { $0 }
        case .passwordFile(let user, let path): return fromFile(path) { user + ":" + $0 }
        }
    }

    private mutating func fromFile(_ path: String, _ pair: (String) -> String) -> Result<String?, RPCFailure> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let e = errno
            header = nil; seen = nil
            let m = "cannot read \(source): \(FileIO.errorText(e))"
            if e == ENOENT, case .cookie = source { return .failure(.noCookie(m)) }
            return .failure(.credentials(m))
        }
        let id = (UInt64(st.st_ino), st.st_mtim.tv_sec, st.st_mtim.tv_nsec, Int64(st.st_size))
        if let s = seen, let header, s == id { return .success(header) }
        guard let text = FileIO.readText(path, limit: 4096),
              let line = text.split(separator: "\n").first.map({ String($0).trimmingBlanks() }), !line.isEmpty else {
            return .failure(.credentials("cannot read \(source): the file is empty or unreadable"))
        }
        seen = id
        header = Self.basic(pair(line))
        return .success(header)
    }

    static func basic(_ pair: String) -> String { "Basic " + Base64.encode(Array(pair.utf8)) }
}
