// `config check --probe`: what a valid config names, looked for on this
// host before the daemon runs on it: each node's unit, container or pidfile
// (with the nearest name on a miss), its dependents, its RPC credentials'
// files, the Docker socket, the disks and interfaces, a producer lease's etcd. What cannot be looked
// at is said with why, never passed over in silence.
import NodeGuardKit
#if canImport(Glibc)
import Glibc
#endif

public struct ProbeFinding: Equatable, Sendable {
    public enum Outcome: String, Equatable, Sendable { case found = "ok", missing, unchecked = "not checked" }
    public var outcome: Outcome
    /// "node dmo: unit dmo-node.service", "disk /var".
    public var subject: String
    /// What was found, what is missing (and the nearest name), or why it could not be checked.
    public var detail: String
    public var line: String { "\(outcome.rawValue): \(subject): \(detail)" }
}

public enum ConfigProbe {
    /// Where systemd keeps unit files, most local first.
    static let unitDirectories = ["/etc/systemd/system", "/run/systemd/system", "/run/systemd/transient",
                                  "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]

    public static func run(_ config: Config, root: HostRoot) -> [ProbeFinding] {
        var out: [ProbeFinding] = []
        var docker: [String: DockerView] = [:]
        let units = UnitView(root: root)
        for n in config.nodes {
            let subject = "node \(n.name)"
            if let unit = n.unit { out.append(units.unit(unit, subject: subject)) }
            if let pidfile = n.pidfile { out.append(path(pidfile, subject: "\(subject): pidfile", what: "the node may be stopped, or its pidfile is elsewhere", root: root)) }
            if let name = n.container {
                let view = docker[n.dockerSocket] ?? DockerView(socket: n.dockerSocket)
                docker[n.dockerSocket] = view
                out.append(view.container(name, subject: subject))
                out += n.thenRestart.map { view.container($0, subject: "\(subject): then_restart") }
            } else if n.unit != nil {
                out += n.thenRestart.map { units.unit($0, subject: "\(subject): then_restart") }
            }
            for file in [n.liveness.cookieFile, n.liveness.passwordFile].compactMap({ $0 }) {
                out.append(path(file, subject: "\(subject): RPC credentials", what: "bitcoind writes its cookie when its RPC starts", root: root))
            }
        }
        for d in config.disk.paths { out.append(path(d, subject: "disk", what: "fix disk.paths", root: root)) }
        out += leases(config, root: root)
        let names = config.bandwidth.interfaces.isEmpty ? [] : FileIO.list(root.path("/sys/class/net"))
        for i in config.bandwidth.interfaces {
            out.append(names.contains(i) ? ProbeFinding(outcome: .found, subject: "interface", detail: i)
                : ProbeFinding(outcome: .missing, subject: "interface", detail: "no interface \(i) here\(nearest(i, names)); the interfaces are \(names.sorted().joined(separator: ", "))"))
        }
        return out
    }

    static func nearest(_ word: String, _ names: [String]) -> String {
        Suggest.nearestName(word, among: names).map { "; did you mean `\($0)`?" } ?? ""
    }

    static func path(_ p: String, subject: String, what: String, root: HostRoot) -> ProbeFinding {
        FileIO.exists(root.path(p)) ? ProbeFinding(outcome: .found, subject: subject, detail: "\(p) exists")
            : ProbeFinding(outcome: .missing, subject: subject, detail: "\(p) does not exist (\(FileIO.errorText(errno))); \(what)")
    }
}

/// This host's systemd units as `--probe` sees them: the unit directories
/// and the running services listed once.
struct UnitView {
    let files: [String]
    let running: [String]

    init(root: HostRoot) {
        files = ConfigProbe.unitDirectories.flatMap { FileIO.list(root.path($0)) }
        running = FileIO.list(root.path("/sys/fs/cgroup/system.slice")) + FileIO.list(root.path("/sys/fs/cgroup/systemd/system.slice"))
    }

    /// A unit file, an instance of a template, or a unit running now.
    func unit(_ name: String, subject: String) -> ProbeFinding {
        let template = name.firstIndex(of: "@").map { String(name[...$0]) + (name.split(separator: ".").last.map { "." + $0 } ?? "") }
        if files.contains(name) || running.contains(name) || template.map(files.contains) == true {
            return ProbeFinding(outcome: .found, subject: subject, detail: "unit \(name)")
        }
        guard !files.isEmpty || !running.isEmpty else {
            let dirs = ConfigProbe.unitDirectories
            return ProbeFinding(outcome: .unchecked, subject: subject, detail: "unit \(name): no systemd unit directory here (\(dirs[0]), \(dirs[4]))")
        }
        let names = Array(Set((files + running).filter { $0.hasSuffix(".service") || $0.hasSuffix(".target") }))
        return ProbeFinding(outcome: .missing, subject: subject, detail: "no unit \(name) here\(ConfigProbe.nearest(name, names)); `systemctl list-unit-files` lists them")
    }
}

/// One Docker socket as `--probe` sees it: its containers listed once.
final class DockerView {
    let socket: String
    let engine: DockerEngine
    lazy var names: Result<[String], DockerError> = engine.runningContainers(all: true)

    init(socket: String) { self.socket = socket; engine = DockerEngine(socketPath: socket) }

    func container(_ name: String, subject: String) -> ProbeFinding {
        switch names {
        case .failure(let e):
            return ProbeFinding(outcome: .unchecked, subject: subject, detail: "container \(name): \(e.message); run as root, or check that dockerd runs (`systemctl status docker`)")
        case .success(let all):
            if all.contains(name) { return ProbeFinding(outcome: .found, subject: subject, detail: "container \(name)") }
            if case .success(let info) = engine.inspect(name) {   // an id or id prefix
                return ProbeFinding(outcome: .found, subject: subject, detail: "container \(name) (\(info.shortID))")
            }
            return ProbeFinding(outcome: .missing, subject: subject,
                                detail: "no container `\(name)` on \(socket)\(ConfigProbe.nearest(name, all)); `docker ps -a` lists them")
        }
    }
}
