// A Docker container as the node: found through the Engine API, measured
// through its cgroup, restarted through the API.

extension Guard {
    func docker() -> DockerEngine {
        if let d = dockerEngine { return d }
        let d = DockerEngine(socketPath: config.node.dockerSocket)
        dockerEngine = d
        return d
    }

    /// The container's memory. Docker is asked again every 30 s (health,
    /// restarts) or when the cgroup is gone; in between its cgroup is read
    /// directly, so a cycle costs no API call.
    func containerMemory(_ name: String) -> Result<NodeMemory, ProbeError> {
        let now = Now.read().monotonic
        // With the health watch on, Docker is asked every cycle: health only it knows.
        let refresh: Double = config.node.restartUnhealthyAfter > 0 ? 0 : 30
        if let c = container, now - c.at < refresh {
            if let cg = c.cgroup, case .success(let (mem, _)) = NodeMemoryProbe.readCgroup(cg, label: "container \(name)", root: root) {
                return .success(mem)
            }
            if c.cgroup == nil, case .success(let anon) = docker().memoryStats(c.info.id, whileWaiting: whileWaiting) {
                return .success(NodeMemory(anonBytes: anon, source: "container \(c.info.shortID), Docker stats"))
            }
        }
        switch docker().inspect(name, whileWaiting: whileWaiting) {
        case .failure(let e):
            container = nil
            return .failure(ProbeError(e.message + (e.kind == .unreachable ? "; the other checks keep running and nodeguard retries every cycle" : "")))
        case .success(let info):
            guard info.running, info.pid > 0 else {
                container = nil
                return .failure(ProbeError("container \(name) (\(info.shortID)) is not running\(info.restarting ? " (restarting)" : ""); docker ps -a shows why"))
            }
            // The pid is the host's: in another pid namespace (nspawn, a
            // container) it may name another process, so the cgroup must be
            // the container's own (its path holds the container id).
            let viaCgroup = NodeMemoryProbe.readProcessCgroup(pid: info.pid, root: root).flatMap { r -> Result<(NodeMemory, NodeMemoryProbe.UnitCgroup), ProbeError> in
                r.1.path.contains(info.id) ? .success(r) : .failure(ProbeError("pid \(info.pid) here is not container \(info.shortID)'s process"))
            }
            switch viaCgroup {
            case .failure(let e):
                // Its pid or cgroup is not visible from here: ask Docker.
                switch docker().memoryStats(info.id, whileWaiting: whileWaiting) {
                case .success(let anon):
                    container = (info, nil, now)
                    return .success(NodeMemory(anonBytes: anon, source: "container \(info.shortID), Docker stats"))
                case .failure(let s):
                    container = nil
                    return .failure(ProbeError("\(e.message); \(s.message)"))
                }
            case .success(let (mem, cg)):
                container = (info, cg, now)
                return .success(NodeMemory(anonBytes: mem.anonBytes, source: "container \(info.shortID), " + mem.source))
            }
        }
    }
}
