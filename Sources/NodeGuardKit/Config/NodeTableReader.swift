// The [node] tables: any number of [node.NAME] tables, or 0.1.0's single
// [node] table of keys, never both.
import TOML

extension TableReader {
    static let maxNodes = 64

    mutating func readNodes(_ table: TOMLTable, at position: SourcePosition) {
        // A table under [node] is a node, unless it sits where a node key's value goes.
        let named = table.entries.filter { if case .table = $0.node.value { return Schema.nodeSpec($0.key) == nil }; return false }
        let namedKeys = Set(named.map(\.key))   // a set: a file may hold tens of thousands of tables
        let keys = table.entries.filter { !namedKeys.contains($0.key) }
        if let key = keys.first, let node = named.first {
            problem(node.node.position, "[node.\(TOMLKeyPath.displayKey(node.key))] and keys directly in [node] (`\(key.key)` at \(key.keyPosition)) cannot be mixed: move those keys into a [node.NAME] table, or keep one [node] table for a single node")
            return
        }
        if named.isEmpty {
            readLegacyNode(keys, at: position)
            return
        }
        for entry in named {
            guard case .table(let t) = entry.node.value else { continue }
            guard config.nodes.count < TableReader.maxNodes else {
                problem(entry.node.position, "more than \(TableReader.maxNodes) nodes; nodeguard guards at most \(TableReader.maxNodes) on one host")
                return
            }
            guard isNodeName(entry.key) else {
                problem(entry.keyPosition, "node name `\(TOMLKeyPath.displayKey(entry.key))` must be letters, digits, -, _ or . (at most 64), as in [node.dmo]; it names the node in events and state files")
                continue
            }
            var node = NodeConfig(name: entry.key)
            let prefix = "node.\(entry.key)"
            nodeTables[entry.key] = (entry.node.position, prefix)
            for e in t.entries { read(e, into: &node, prefix: prefix) }
            config.nodes.append(node)
        }
    }

    /// 0.1.0's [node]: one node, named after its unit, container or pidfile.
    mutating func readLegacyNode(_ entries: [TOMLEntry], at position: SourcePosition) {
        var node = NodeConfig()
        for e in entries { read(e, into: &node, prefix: "node") }
        guard node.isConfigured else {
            // As in 0.1.0: [node] without unit, container or pidfile guards no node.
            nodeTables[""] = (position, "node")
            unconfiguredNode = node
            return
        }
        node.name = NodeConfig.derivedName(unit: node.unit, container: node.container, pidfile: node.pidfile)
        node.inLegacyTable = true
        nodeTables[node.name] = (position, "node")
        config.nodes.append(node)
    }

    mutating func read(_ entry: TOMLEntry, into node: inout NodeConfig, prefix: String) {
        if read(entry, into: &node, keys: Schema.nodeKeys, prefix: prefix) { setAt["\(prefix).\(entry.key)"] = entry.node.position }
    }

    /// One key of a node's or a notification target's table, through its
    /// spec; false when it was unknown or wrong (and said so).
    mutating func read<T>(_ entry: TOMLEntry, into target: inout T, keys: [TableKeySpec<T>], prefix: String) -> Bool {
        guard let spec = keys.first(where: { $0.key == entry.key }) else {
            unknown(entry.key, at: entry.keyPosition, in: prefix, candidates: keys.map(\.key))
            return false
        }
        do {
            try spec.read(&target, entry.node)
            return true
        } catch {
            failed.insert("\(prefix).\(spec.key)")
            problem(entry.node.position, "\(prefix).\(spec.key): \(error.message)")
            return false
        }
    }

    func isNodeName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy(NodeConfig.isNameCharacter)
    }
}
