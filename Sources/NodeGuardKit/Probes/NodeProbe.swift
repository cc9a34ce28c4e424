// One node's probe: its memory read the way its config names it (a unit's
// cgroup, a pidfile's process tree, a container through the Engine API and
// its cgroup), with what it learnt between cycles (where the cgroup is, the
// container's id), and whether it runs at all.

/// What one cycle read of one node.
public struct NodeSample: Sendable {
    public var memory: Result<NodeMemory, ProbeError>
    /// A container node's HEALTHCHECK status ("healthy", "unhealthy", "starting"); nil when unknown.
    public var health: String?
    public init(memory: Result<NodeMemory, ProbeError>, health: String? = nil) { self.memory = memory; self.health = health }
    /// nil: unknown (the probe failed for another reason).
    public var running: Bool? {
        switch memory {
        case .success: return true
        case .failure(let e): return e.notRunning ? false : nil
        }
    }
}

public final class NodeProbe {
    public private(set) var config: NodeConfig
    let root: HostRoot
    var unitCgroup: NodeMemoryProbe.UnitCgroup?
    /// The container as Docker last described it, and where its memory is.
    /// The cgroup is nil where it is not visible (nodeguard in a container or
    /// an nspawn machine): then the memory comes from Docker's stats.
    var container: (info: ContainerInfo, cgroup: NodeMemoryProbe.UnitCgroup?, at: Double)?
    public var engine: DockerEngine?

    public init(_ config: NodeConfig, root: HostRoot) { self.config = config; self.root = root }

    /// A reload: what was learnt stays while the node is the same process.
    func update(_ new: NodeConfig) {
        if new.unit != config.unit { unitCgroup = nil }
        if new.container != config.container || new.dockerSocket != config.dockerSocket { container = nil; engine = nil }
        config = new
    }

    func docker() -> DockerEngine {
        if let d = engine { return d }
        let d = DockerEngine(socketPath: config.dockerSocket)
        engine = d
        return d
    }

    /// The container's id as Docker last gave it (for a restart through the API).
    var containerID: String? { container?.info.id }

    public func read(monotonic now: Double, whileWaiting: () -> Void) -> NodeSample {
        if let unit = config.unit {
            switch NodeMemoryProbe.readUnit(unit, root: root, cached: unitCgroup) {
            case .success(let (mem, path)): unitCgroup = path; return NodeSample(memory: .success(mem))
            case .failure(let e): unitCgroup = nil; return NodeSample(memory: .failure(e))
            }
        }
        if let pidfile = config.pidfile { return NodeSample(memory: NodeMemoryProbe.readPidfile(pidfile, root: root)) }
        if let name = config.container {
            let memory = containerMemory(name, now: now, whileWaiting: whileWaiting)
            return NodeSample(memory: memory, health: container?.info.health)
        }
        return NodeSample(memory: .failure(ProbeError("node \(config.name) names no unit, container or pidfile")))
    }

    /// Docker is asked again every 30 s (health, restarts) or when the cgroup
    /// is gone; in between its cgroup is read directly, so a cycle costs no API call.
    func containerMemory(_ name: String, now: Double, whileWaiting: () -> Void) -> Result<NodeMemory, ProbeError> {
        // With the health watch on, Docker is asked every cycle: health only it knows.
        let refresh: Double = config.restartUnhealthyAfter > 0 ? 0 : 30
        if let c = container, now - c.at < refresh {
            if let cg = c.cgroup, case .success(let (mem, _)) = NodeMemoryProbe.readCgroup(cg, label: "container \(name)", root: root) {
                return .success(mem)
            }
            if c.cgroup == nil, case .success(let anon) = docker().memoryStats(c.info.id, whileWaiting: whileWaiting) {
                return .success(NodeMemory(anonBytes: anon, source: "container \(c.info.shortID), Docker stats"))
            }
        }
        switch docker().inspect(name, whileWaiting: whileWaiting) {
        case .failure(let e) where e.kind == .noSuchContainer:
            container = nil
            return .failure(ProbeError(missingContainer(name, whileWaiting: whileWaiting)))
        case .failure(let e) where e.kind == .ambiguous:
            container = nil
            return .failure(ProbeError("\(e.message) in `container` of \(config.table), and reload"))
        case .failure(let e):
            container = nil
            return .failure(ProbeError(e.message, dockerUnreachable: e.kind == .unreachable ? config.dockerSocket : nil))
        case .success(let info):
            guard info.running, info.pid > 0 else {
                container = (info, nil, -Double.infinity)   // its id, for a start; asked again next cycle
                return .failure(ProbeError("container \(name) (\(info.shortID)) is not running\(info.restarting ? " (restarting)" : ""); docker ps -a shows why", notRunning: !info.restarting))
            }
            return runningContainerMemory(info, now: now, whileWaiting: whileWaiting)
        }
    }

    /// "no container `dmo` on SOCKET (docker ps -a); did you mean `dmo-node`?
    /// Fix `container` in [node.dmo] and reload": asked only while it is missing.
    func missingContainer(_ name: String, whileWaiting: () -> Void) -> String {
        let names = (try? docker().runningContainers(all: true, whileWaiting: whileWaiting).get()) ?? []
        let near = Suggest.nearestName(name, among: names).map { "; did you mean `\($0)`?" } ?? "."
        return "no container `\(name)` on \(config.dockerSocket) (docker ps -a)\(near) Fix `container` in \(config.table) and reload"
    }

    func runningContainerMemory(_ info: ContainerInfo, now: Double, whileWaiting: () -> Void) -> Result<NodeMemory, ProbeError> {
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
