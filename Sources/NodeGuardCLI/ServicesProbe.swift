// What runs on this host that could be a node: systemd services and Docker
// containers, with their resident anonymous memory now (`config suggest`).

import NodeGuardKit
public struct RunningService: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case unit, container }
    public var kind: Kind
    /// The unit ("dmo-node.service") or the container's name.
    public var name: String
    public var anonBytes: UInt64
    public init(kind: Kind, name: String, anonBytes: UInt64) { self.kind = kind; self.name = name; self.anonBytes = anonBytes }
}

public enum ServicesProbe {
    /// Services of the system slice; none where there is no cgroup hierarchy.
    public static func units(root: HostRoot) -> [RunningService] {
        guard let v = NodeMemoryProbe.cgroupVersion(root) else { return [] }
        let slice = NodeMemoryProbe.memoryHierarchy(v) + "/system.slice"
        return FileIO.list(root.path(slice)).sorted().compactMap { name in
            guard name.hasSuffix(".service"), let cg = NodeMemoryProbe.locateUnit(name, root: root),
                  case .success(let (mem, _)) = NodeMemoryProbe.readCgroup(cg, label: name, root: root) else { return nil }
            return RunningService(kind: .unit, name: name, anonBytes: mem.anonBytes)
        }
    }

    /// Running containers through the Engine API, or why Docker could not be asked.
    public static func containers(socket: String, root: HostRoot) -> Result<[RunningService], DockerError> {
        guard FileIO.exists(socket) else { return .failure(DockerError(kind: .unreachable, message: "no socket there")) }
        let docker = DockerEngine(socketPath: socket)
        return docker.runningContainers().map { names in names.sorted().compactMap { name in
            let probe = NodeProbe({ var n = NodeConfig(name: name); n.container = name; n.dockerSocket = socket; return n }(), root: root)
            probe.engine = docker   // one engine, one API version negotiation, for all
            guard case .success(let m) = probe.read(monotonic: 0, whileWaiting: {}).memory else { return nil }
            return RunningService(kind: .container, name: name, anonBytes: m.anonBytes)
        } }
    }
}
