// What can be caught about the nodes before running: each node's keys
// against each other, nodes against each other, and the keys elsewhere that
// name nodes. Reported at the key, or at the node's table header.
import TOML

extension TableReader {
    /// Where a node key was set, else the node's header.
    func at(node name: String, _ keys: String...) -> SourcePosition {
        guard let table = nodeTables[name] else { return SourcePosition(line: 1, column: 1) }
        if keys.contains(where: { failed.contains("\(table.prefix).\($0)") }) { return Self.notJudged }
        for k in keys { if let p = setAt["\(table.prefix).\(k)"] { return p } }
        return table.position
    }

    func prefix(of name: String) -> String { nodeTables[name]?.prefix ?? "node.\(name)" }

    mutating func relate(node i: Int) {
        var n = config.nodes[i]
        let p = prefix(of: n.name)
        let table = p == "node" ? "[node]" : "[\(p)]"
        if [n.unit, n.pidfile, n.container].compactMap({ $0 }).count > 1 {
            problem(at(node: n.name, "container", "pidfile", "unit"), "\(p): set one of `unit`, `container` or `pidfile`, not several")
        }
        if !n.isConfigured {
            problem(at(node: n.name, "unit", "container", "pidfile"), "\(p): set `unit`, `container` or `pidfile`, so nodeguard knows which process is the node")
        }
        if n.pidfile != nil && n.restartCommand.isEmpty {
            problem(at(node: n.name, "pidfile"), "\(p).pidfile: a node found by pidfile needs `restart_command` (an argv) to be restarted")
        }
        if n.restartUnhealthyAfter > 0 && n.container == nil {
            problem(at(node: n.name, "restart_unhealthy_after"), "\(p).restart_unhealthy_after watches a Docker HEALTHCHECK; set \(table) container")
        }
        if n.forCycles.map({ $0 > 0 }) == true && n.sustained != nil {
            problem(at(node: n.name, "for_cycles"), "\(p): set either `for` or `for_cycles`, not both")
        }
        relateDependents(&n, prefix: p)
        relateThresholds(n, prefix: p)
        relateLiveness(n, prefix: p)
        config.nodes[i] = n
    }

    /// then_restart: services of the node's own kind, never the node itself.
    mutating func relateDependents(_ n: inout NodeConfig, prefix p: String) {
        guard !n.thenRestart.isEmpty else { return }
        let where_ = at(node: n.name, "then_restart")
        if n.unit != nil { n.thenRestart = n.thenRestart.map { $0.contains(".") ? $0 : $0 + ".service" } }
        if n.pidfile != nil {
            problem(where_, "\(p).then_restart: dependents are units of a unit node or containers of a container node; a pidfile node has neither")
        }
        if let own = n.unit ?? n.container, n.thenRestart.contains(own) {
            problem(where_, "\(p).then_restart names the node itself (`\(own)`); list only the services to restart after it")
        }
        if let twice = n.thenRestart.first(where: { name in n.thenRestart.filter { $0 == name }.count > 1 }) {
            problem(where_, "\(p).then_restart names `\(twice)` twice")
        }
    }

    /// warn_above below restart_above, each the node's own or [memory]'s.
    mutating func relateThresholds(_ n: NodeConfig, prefix p: String) {
        guard n.warnAbove != nil || n.restartAbove != nil else { return }   // [memory]'s pair is checked once, there
        let l = config.limits(of: n)
        let origin = { (own: Amount?) in own == nil ? " from [memory]" : "" }
        let at = at(node: n.name, "warn_above", "restart_above")
        guard Self.comparable(l.warnAbove, l.restartAbove) else {
            return onThisHost(warn: ("\(p).warn_above", l.warnAbove, origin(n.warnAbove)), below: ("restart_above", l.restartAbove, origin(n.restartAbove)), at: at)
        }
        guard !Self.less(l.warnAbove, l.restartAbove) else { return }
        problem(at, "\(p): warn_above (\(l.warnAbove)\(origin(n.warnAbove))) must be below restart_above (\(l.restartAbove)\(origin(n.restartAbove)))")
    }

    /// A size against a share of RAM: comparable only on a host. Where the
    /// warning is not below the restart, it can never come first: said as a
    /// note (the file stays valid: it may be right on another host).
    mutating func onThisHost(warn: (name: String, value: Amount, origin: String), below restart: (name: String, value: Amount, origin: String), at: SourcePosition) {
        guard let total = hostMemTotal else { return }
        let w = warn.value.bytes(of: total), r = restart.value.bytes(of: total)
        guard w >= r else { return }
        let said = { (a: Amount, origin: String, b: UInt64) in
            if case .share = a { return "\(a)\(origin), \(Size.format(b)) of this host's \(Size.format(total))" }
            return "\(Size.format(b))\(origin)"
        }
        note(at, "\(warn.name) (\(said(warn.value, warn.origin, w))) is not below \(restart.name) (\(said(restart.value, restart.origin, r))): "
            + "the warning can never come before the restart; set \(warn.name), such as \"\(Size.format(r / 5 * 4).replacingSpaces())\"")
    }

    /// 0.1.0's [node] with keys that need a target it does not have.
    mutating func relateUnconfigured(_ n: NodeConfig) {
        if n.restartUnhealthyAfter > 0 {
            problem(at("node.restart_unhealthy_after"), "node.restart_unhealthy_after watches a Docker HEALTHCHECK; set [node] container")
        }
        if !n.restartCommand.isEmpty {
            problem(at("node.restart_command"), "node.restart_command: set `unit`, `container` or `pidfile` too, so nodeguard knows whose memory to watch")
        }
        if !n.thenRestart.isEmpty {
            problem(at("node.then_restart"), "node.then_restart: set `unit` or `container` too, so nodeguard knows after which node to restart them")
        }
    }

    /// Two nodes cannot be the same process.
    mutating func relateNodesToEachOther() {
        var seen: [String: String] = [:]
        for n in config.nodes where n.isConfigured {
            let kind = n.unit != nil ? "unit" : n.container != nil ? "container" : "pidfile"
            let key = kind + " " + n.target
            if let first = seen[key] {
                problem(at(node: n.name, kind), "\(prefix(of: n.name)).\(kind): node \(first) is already \(kind) \(n.target); two nodes cannot be the same \(kind)")
            } else {
                seen[key] = n.name
            }
        }
        if case .inOrder(let names) = config.memory.hostFloorRestarts {
            for name in names where config.node(named: name) == nil {
                problem(at("memory.host_floor_restarts"), "memory.host_floor_restarts names `\(name)`, which is no node; the nodes are \(nodeList)")
            }
        }
    }

    var nodeList: String { config.nodes.isEmpty ? "none" : config.nodes.map(\.name).joined(separator: ", ") }

    /// stop-node and restart-node act on nodes that exist and can be acted on.
    mutating func relateOperatorAction() {
        let b = config.bandwidth
        for name in b.actionNodes where config.node(named: name) == nil {
            problem(at("bandwidth.action_nodes"), "bandwidth.action_nodes names `\(name)`, which is no node; the nodes are \(nodeList)")
        }
        guard b.action == .stopNode || b.action == .restartNode else { return }
        let acted = b.actionNodes.isEmpty ? config.nodes : config.nodes.filter { b.actionNodes.contains($0.name) }
        if config.nodes.isEmpty {
            problem(at("bandwidth.action"), "bandwidth.action = \"\(b.action)\" needs a [node] (unit, container or pidfile)")
            if b.action == .stopNode {
                problem(at("bandwidth.action"), "bandwidth.action = \"stop-node\" stops a systemd unit; set [node] unit, or give a command array")
            }
        } else if b.action == .stopNode, let other = acted.first(where: { $0.unit == nil }) {
            problem(at("bandwidth.action", "bandwidth.action_nodes"), "bandwidth.action = \"stop-node\" stops systemd units; node \(other.name) is no unit: leave it out of action_nodes, or give a command array")
        }
    }
}
