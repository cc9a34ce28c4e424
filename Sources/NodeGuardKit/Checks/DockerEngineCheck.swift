// Whether Docker answers on a socket the container nodes use: ERROR once
// when it stops answering, NOTICE once when it is back, whatever the number
// of nodes behind it. It asks nothing itself: it reads what the nodes' probes
// found this cycle (each node is read once a cycle), so it costs no API call.

final class DockerEngineCheck: Check {
    static let declaration = CheckDeclaration("docker", readings: [engine]) { s in
        s.dockerSockets.map { socket in
            DockerEngineCheck(socket: socket) { [current = s.currentNodes] in current().filter { $0.config.container != nil && $0.config.dockerSocket == socket } }
        }
    }

    static let engine = ReadingKind("docker", "whether Docker answers on a container node's socket")

    let socket: String
    /// The guard's container nodes on this socket now (a reload may replace them).
    let nodes: () -> [NodeWatch]
    /// nil until a node's probe showed either; then whether Docker answered.
    private(set) var answering: Bool?
    /// Since when it does not answer, for the "back" event.
    var downSince: Double?
    /// "answering" reads the same every cycle: built once.
    lazy var answeringReading = Reading(Self.engine, target: socket, value: .word("answering"))
    var kind: String { Self.declaration.kind }
    var target: String { socket }

    init(socket: String, nodes: @escaping () -> [NodeWatch]) { self.socket = socket; self.nodes = nodes }

    func update(_ config: Config) {}

    func run(_ cycle: inout Cycle) {
        var failure: ProbeError?, answered = false
        for n in nodes() {
            switch n.sample(cycle).memory {
            case .failure(let e) where e.dockerUnreachable == socket: failure = e
            case .failure(let e) where e.notRunning: answered = true
            case .success: answered = true
            case .failure: break   // another problem, which the node's checks say
            }
        }
        // One node answered: Docker is up, whatever another one's read met.
        if answered { back(&cycle) } else if let e = failure { gone(e, &cycle) }
    }

    func fields() -> [(String, String)] { [("CHECK", "docker"), ("TARGET", socket)] }

    func gone(_ e: ProbeError, _ cycle: inout Cycle) {
        if answering != false {
            downSince = cycle.now.monotonic
            let names = nodes().map(\.name)
            cycle.events.append(Event(.dockerUnreachable,
                "\(e.message); \(names.count == 1 ? "node" : "nodes") \(names.joined(separator: ", ")) cannot be read or restarted until Docker is back. The other checks keep running; nodeguard asks again every cycle",
                fields: fields()))
        }
        answering = false
        cycle.readings.append(Reading(Self.engine, target: socket, value: .word("not answering"), state: .error, notes: [e.message]))
    }

    func back(_ cycle: inout Cycle) {
        if answering == false {
            let lasted = downSince.map { " after \(TimeSpan.format((cycle.now.monotonic - $0).rounded()))" } ?? ""
            cycle.events.append(Event(.dockerBack, "Docker answers again on \(socket)\(lasted)", fields: fields()))
        }
        answering = true
        downSince = nil
        cycle.readings.append(answeringReading)
    }
}
