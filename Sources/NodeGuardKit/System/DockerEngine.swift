// The Docker Engine API, the little of it nodeguard uses: version
// negotiation, inspecting the node's container, restarting it.

public struct ContainerInfo: Equatable, Sendable {
    public var id: String
    public var name: String
    public var running: Bool
    public var restarting: Bool
    public var pid: Int32
    public var restartCount: Int
    /// "healthy", "unhealthy", "starting", or "" without a HEALTHCHECK.
    public var health: String
    public var logPath: String
    /// HostConfig.Memory: 0 is no limit.
    public var memoryLimit: UInt64
    public var restartPolicy: String

    /// From GET /containers/{id}/json.
    public init?(json j: JSON) {
        guard let id = j["Id"]?.string, let state = j["State"] else { return nil }
        self.id = id
        name = String((j["Name"]?.string ?? "").drop { $0 == "/" })
        running = state["Running"]?.bool ?? false
        restarting = state["Restarting"]?.bool ?? false
        pid = Int32(state["Pid"]?.number ?? 0)
        restartCount = Int(j["RestartCount"]?.number ?? 0)
        health = state["Health"]?["Status"]?.string ?? ""
        logPath = j["LogPath"]?.string ?? ""
        memoryLimit = UInt64(max(0, j["HostConfig"]?["Memory"]?.number ?? 0))
        restartPolicy = j["HostConfig"]?["RestartPolicy"]?["Name"]?.string ?? ""
    }

    public var shortID: String { String(id.prefix(12)) }
}

public struct DockerError: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case unreachable, noSuchContainer, ambiguous, tooOld, api }
    public var kind: Kind
    public var message: String
    public init(kind: Kind, message: String) { self.kind = kind; self.message = message }
}

public final class DockerEngine {
    /// Debian 12's docker.io (engine 20.10) speaks 1.41: the floor.
    public static let minimumAPI = (1, 41)
    /// The newest API this client was written against.
    public static let maximumAPI = (1, 43)

    public let client: UnixHTTPClient
    public private(set) var apiVersion: String?

    public init(socketPath: String, readTimeout: Double = 5) {
        client = UnixHTTPClient(socketPath: socketPath, readTimeout: readTimeout)
    }

    static func parseVersion(_ s: String) -> (Int, Int)? {
        let p = s.split(separator: ".")
        guard p.count == 2, let a = Int(p[0]), let b = Int(p[1]) else { return nil }
        return (a, b)
    }

    /// The API version both sides speak: the server's, capped at ours; one
    /// older than 1.41 is refused with what to do.
    public static func negotiate(serverAPI: String) -> Result<String, DockerError> {
        guard let v = parseVersion(serverAPI) else {
            return .failure(DockerError(kind: .api, message: "Docker reported API version `\(serverAPI)`, which nodeguard cannot read"))
        }
        if v < minimumAPI {
            return .failure(DockerError(kind: .tooOld, message: "Docker's API \(serverAPI) is older than 1.41 (Debian 12's docker.io); upgrade Docker"))
        }
        let use = v > maximumAPI ? maximumAPI : v
        return .success("\(use.0).\(use.1)")
    }

    func unreachable(_ e: HTTPError) -> DockerError {
        DockerError(kind: .unreachable, message: "Docker is not answering on \(client.socketPath): \(e.message)")
    }

    /// GET /version once (and again after Docker was unreachable).
    public func ensureVersion(whileWaiting: () -> Void = {}) -> Result<String, DockerError> {
        if let v = apiVersion { return .success(v) }
        switch client.send("GET", "/version", whileWaiting: whileWaiting) {
        case .failure(let e): return .failure(unreachable(e))
        case .success(let r):
            guard r.status == 200, let j = try? JSON.parse(r.text), let api = j["ApiVersion"]?.string else {
                return .failure(DockerError(kind: .api, message: "unexpected reply to GET /version from \(client.socketPath): HTTP \(r.status)"))
            }
            let negotiated = DockerEngine.negotiate(serverAPI: api)
            if case .success(let v) = negotiated { apiVersion = v }
            return negotiated
        }
    }

    /// The API's error message, from its JSON body.
    static func message(_ r: HTTPResponse) -> String {
        (try? JSON.parse(r.text))?["message"]?.string ?? "HTTP \(r.status)"
    }

    /// GET on the negotiated API version; any reply, or why there was none.
    func get(_ path: String, whileWaiting: () -> Void) -> Result<HTTPResponse, DockerError> {
        ensureVersion(whileWaiting: whileWaiting).flatMap { version in
            client.send("GET", "/v\(version)" + path, whileWaiting: whileWaiting).flatMapError { e in
                apiVersion = nil   // dockerd may come back as another version
                return .failure(unreachable(e))
            }
        }
    }

    public func inspect(_ container: String, whileWaiting: () -> Void = {}) -> Result<ContainerInfo, DockerError> {
        switch get("/containers/\(percentEncode(container))/json", whileWaiting: whileWaiting) {
        case .failure(let e): return .failure(e)
        case .success(let r):
            // An ambiguous id prefix is a 404 on some engine versions and a
            // 400 or 500 on others; dockerd's message says "multiple".
            if r.status != 200, case let m = DockerEngine.message(r), m.lowercased().contains("multiple") {
                return .failure(DockerError(kind: .ambiguous, message: "`\(container)` matches several containers (\(m)); write a full name or id"))
            }
            if r.status == 404 {
                return .failure(DockerError(kind: .noSuchContainer, message: "no container `\(container)` (docker ps -a)"))
            }
            guard r.status == 200, let j = try? JSON.parse(r.text), let info = ContainerInfo(json: j) else {
                return .failure(DockerError(kind: .api, message: "inspecting `\(container)`: \(DockerEngine.message(r))"))
            }
            return .success(info)
        }
    }

    /// Names of the running containers (GET /containers/json), for `config
    /// suggest`; with `all`, the stopped ones too (`config check --probe`).
    public func runningContainers(all: Bool = false, whileWaiting: () -> Void = {}) -> Result<[String], DockerError> {
        get("/containers/json" + (all ? "?all=1" : ""), whileWaiting: whileWaiting).flatMap { r in
            guard r.status == 200, let list = (try? JSON.parse(r.text))?.array else {
                return .failure(DockerError(kind: .api, message: "listing containers: \(DockerEngine.message(r))"))
            }
            return .success(list.compactMap { $0["Names"]?.array?.first?.string.map { String($0.drop { $0 == "/" }) } })
        }
    }

    /// Where Docker keeps its data (GET /info DockerRootDir), for `doctor --docker-socket`.
    public func dataRoot() -> Result<String, DockerError> {
        get("/info", whileWaiting: {}).flatMap { r in
            guard r.status == 200, let root = (try? JSON.parse(r.text))?["DockerRootDir"]?.string else {
                return .failure(DockerError(kind: .api, message: "asking Docker where its data is: \(DockerEngine.message(r))"))
            }
            return .success(root)
        }
    }

    /// The container's anonymous memory from the stats endpoint (one-shot,
    /// API 1.41): for when its cgroup is not visible from here, as from
    /// inside another container or a systemd-nspawn machine.
    public func memoryStats(_ id: String, whileWaiting: () -> Void = {}) -> Result<UInt64, DockerError> {
        switch get("/containers/\(percentEncode(id))/stats?stream=false&one-shot=true", whileWaiting: whileWaiting) {
        case .failure(let e): return .failure(e)
        case .success(let r):
            guard r.status == 200, let j = try? JSON.parse(r.text), let anon = DockerEngine.anonymousMemory(stats: j) else {
                return .failure(DockerError(kind: .api, message: "reading the memory of container \(id.prefix(12)): \(DockerEngine.message(r))"))
            }
            return .success(anon)
        }
    }

    /// memory_stats.stats: cgroup v2 "anon", v1 "total_rss" (or "rss").
    public static func anonymousMemory(stats j: JSON) -> UInt64? {
        guard let s = j["memory_stats"]?["stats"] else { return nil }
        for key in ["anon", "total_rss", "rss"] { if let v = s[key]?.number { return UInt64(max(0, v)) } }
        return nil
    }

    /// POST /containers/{id}/restart?t=N: answers when the container is up
    /// again, so the read deadline covers the stop timeout.
    public func restart(_ id: String, stopTimeout: Int, whileWaiting: () -> Void = {}) -> ActionOutcome {
        containerAction("restart", done: "restarted", id, stopTimeout: stopTimeout, whileWaiting: whileWaiting)
    }

    /// Docker's stop signal, SIGKILL after `stopTimeout`; one already stopped (304) is done too.
    public func stop(_ id: String, stopTimeout: Int, whileWaiting: () -> Void = {}) -> ActionOutcome {
        containerAction("stop", done: "stopped", id, stopTimeout: stopTimeout, whileWaiting: whileWaiting, alsoDone: 304)
    }

    /// POST /containers/ID/ACTION?t=stopTimeout: 204 (or `alsoDone`) is done.
    private func containerAction(_ action: String, done: String, _ id: String, stopTimeout: Int, whileWaiting: () -> Void,
                                 alsoDone: Int = 204) -> ActionOutcome {
        guard case .success(let version) = ensureVersion(whileWaiting: whileWaiting) else {
            return ActionOutcome(succeeded: false, detail: "Docker is not answering on \(client.socketPath)")
        }
        let r = client.send("POST", "/v\(version)/containers/\(percentEncode(id))/\(action)?t=\(stopTimeout)",
                            readTimeout: Double(stopTimeout) + 30, whileWaiting: whileWaiting)
        switch r {
        case .failure(let e): return ActionOutcome(succeeded: false, detail: "POST /containers/\(id.prefix(12))/\(action): \(e.message)")
        case .success(let resp) where resp.status == 204 || resp.status == alsoDone:
            return ActionOutcome(succeeded: true, detail: "container \(id.prefix(12)) \(done) (HTTP \(resp.status))")
        case .success(let resp): return ActionOutcome(succeeded: false, detail: "POST /containers/\(id.prefix(12))/\(action): HTTP \(resp.status): \(DockerEngine.message(resp))")
        }
    }

    func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") { out.append(c) }
            else { out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2) }
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
