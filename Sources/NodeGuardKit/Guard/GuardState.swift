// What survives a restart of nodeguard, a kill -9 or a reboot: each node's
// restart history (state_directory/nodes/NAME), the recent actions
// (state_directory/state), and what each check keeps (Keeping: the
// bandwidth ledger).
#if canImport(Glibc)
import Glibc
#endif

extension Guard {
    var stateFile: String { config.stateDirectory + "/state" }

    /// Every node's restart history, the recent actions and what each
    /// check keeps (Keeping), written durably (fsync, rename, fsync of the directory).
    public func saveState(now: Now = Now.read()) {
        for c in checks { if let e = (c as? Keeping)?.save(now: now) { emit(e) } }
        var rc: Int32 = 0
        for n in nodes { let r = n.actuator.save(in: config.stateDirectory); if r != 0 { rc = r } }
        let actionsRC = saveActions()
        noteSaveProblem(rc != 0 ? rc : actionsRC)
    }

    /// After one node's restart: its history and the recent actions only.
    func saveState(of node: NodeWatch) {
        let rc = node.actuator.save(in: config.stateDirectory)
        let actionsRC = saveActions()
        noteSaveProblem(rc != 0 ? rc : actionsRC)
    }

    /// state_directory/state: the recent actions `nodeguard status` shows.
    func saveActions() -> Int32 {
        var text = "# nodeguard recent actions; written by nodeguardd (restart history: nodes/NAME)\n"
        for a in actions {
            let clean = { (s: String) in String(s.map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
            text += "action \(a.wall)\t\(clean(a.action))\t\(clean(a.target))\t\(clean(a.outcome))"
            text += a.count > 1 ? "\t\(a.count)\t\(a.since ?? a.wall)\n" : "\n"
        }
        FileIO.makeDirectories(config.stateDirectory, mode: 0o755)
        return FileIO.writeAtomically(stateFile, text, durable: true, mode: 0o644)
    }

    /// A state that cannot be saved is said once.
    func noteSaveProblem(_ rc: Int32) {
        if rc != 0 && !stateProblemLogged {
            stateProblemLogged = true
            emit(Event(.probeFailed, "cannot save state under \(config.stateDirectory): \(FileIO.errorText(rc)); the restart history will not survive a restart of nodeguard. Check state_directory",
                       fields: [("CHECK", EventNames.state.name), ("TARGET", config.stateDirectory)]))
        }
    }

    /// `readOnly`: for the CLI, which must not move or rewrite state files.
    public func restoreState(readOnly: Bool = false) {
        let now = Now.read()
        for c in checks { if let e = (c as? Keeping)?.restore(readOnly: readOnly, now: now) { emit(e) } }
        for n in nodes { n.actuator.restore(from: config.stateDirectory) }
        guard let text = FileIO.readText(stateFile) else { return }
        actions = []
        for line in text.split(separator: "\n") where line.hasPrefix("action ") {
            let parts = line.dropFirst(7).split(separator: "\t", omittingEmptySubsequences: false)
            // wall, action, target, outcome; a folded routine entry adds its count and since.
            guard parts.count == 4 || parts.count == 6, let wall = Double(parts[0]) else { continue }
            var a = ActionRecord(wall: wall, action: String(parts[1]), target: String(parts[2]), outcome: String(parts[3]))
            if parts.count == 6 { a.count = Int(parts[4]) ?? 1; a.since = Double(parts[5]) }
            actions.append(a)
        }
        view.actions = actions
        migrateRestartHistory(text, readOnly: readOnly)
    }

    /// nodeguard 0.1.0 kept its one node's restart history in `state`: it
    /// moves to that node's own file, once, and the move is logged.
    func migrateRestartHistory(_ text: String, readOnly: Bool) {
        var old = RestartPolicy(grace: 0, maxRestarts: 1, window: 1)
        old.restore(text)
        guard !old.history.isEmpty || old.limitReached else { return }
        let fresh = nodes.filter { !FileIO.exists($0.actuator.stateFile(in: config.stateDirectory)) }
        guard nodes.count == 1, let node = fresh.first else {
            if !readOnly && nodes.count > 1 && fresh.count == nodes.count {
                // Which node it was is not known: kept aside, never lost.
                let aside = stateFile + ".0.1.0"
                FileIO.writeAtomically(aside, text, durable: true, mode: 0o644)
                emit(Event(.stateMigrated, "\(stateFile) holds the restart history of nodeguard 0.1.0's single node, and \(nodes.count) nodes are configured now: it is given to none of them (each starts with an empty history) and kept in \(aside)",
                           fields: [("TARGET", aside)]))
                saveState()
            }
            return
        }
        node.actuator.policy.restore(text)
        if readOnly { return }
        saveState()   // the node's file first, then `state` without the history
        emit(Event(.stateMigrated, "moved nodeguard 0.1.0's restart history (\(counted(old.history.count, "restart"))\(old.limitReached ? ", restart limit reached" : "")) of node \(node.name) from \(stateFile) to \(node.actuator.stateFile(in: config.stateDirectory))",
                   fields: [("NODE", node.name), ("TARGET", node.actuator.stateFile(in: config.stateDirectory))]))
    }

    /// Folds one cycle's CPU time into the moving average shown in the status.
    public func recordCycleCPU(_ microseconds: Double) {
        view.cycles += 1
        let n = Double(min(view.cycles, 100))
        view.cycleCPUMicroseconds += (microseconds - view.cycleCPUMicroseconds) / n
    }
}
