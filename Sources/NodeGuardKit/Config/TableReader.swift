// Walks the TOML tree into a Config through the schema: every key read by
// its KeySpec, every unknown table or key reported where it was written,
// with the nearest valid name.
import TOML

struct TableReader {
    let path: String
    var config = Config()
    var problems: [ConfigProblem] = []
    /// Where each key was set, for errors that relate keys to each other:
    /// "memory.for", "node.grace" (0.1.0's [node]), "node.dmo.grace".
    var setAt: [String: SourcePosition] = [:]
    /// Each node's table header, and how its keys are named in messages.
    var nodeTables: [String: (position: SourcePosition, prefix: String)] = [:]
    /// Each producer group's table header, by account.
    var producerTables: [String: SourcePosition] = [:]
    /// 0.1.0's [node] with keys but no unit, container or pidfile: no node,
    /// but its keys are still checked against each other.
    var unconfiguredNode: NodeConfig?
    /// No one but root can read the file: an inline secret may live there.
    let privateFile: Bool
    /// This host's MemTotal, when known: a size and a share of RAM can then be compared.
    var hostMemTotal: UInt64?
    /// [[notify]], read once the nodes are known (its filters name them).
    var notifyEntry: TOMLNode?

    /// Keys written with a value that could not be read ("memory.warn_above",
    /// "node.dmo.grace"): a relation that names one is not judged, as its
    /// default would stand in for what was written.
    var failed: Set<String> = []
    /// Where `at(...)` points a relation that names a failed key: not said.
    static let notJudged = SourcePosition(line: 0, column: 0)

    init(path: String, privateFile: Bool = false) { self.path = path; self.privateFile = privateFile }

    /// Problems past this many are counted, not written (nor their
    /// did-you-mean worked out): a file of 40,000 wrong keys is one screen.
    static let maxProblems = 100
    var problemsLeftOut = 0

    mutating func problem(_ at: SourcePosition, _ message: String) {
        guard at != Self.notJudged else { return }
        guard problems.count < Self.maxProblems else { problemsLeftOut += 1; return }
        problems.append(ConfigProblem(path: path, position: at, message: message))
    }

    /// An unknown key, its did-you-mean worked out only while it will be written.
    mutating func unknown(_ key: String, at: SourcePosition, in table: String, candidates: [String]? = nil) {
        guard problems.count < Self.maxProblems else { problemsLeftOut += 1; return }
        problem(at, Self.unknownKey(key, in: table, candidates: candidates))
    }

    /// Not an error, but what the operator should know: said by `config
    /// check` and logged by the daemon; the file stays valid.
    mutating func note(_ at: SourcePosition, _ message: String) {
        config.notes.append(ConfigProblem(path: path, position: at, message: message))
    }

    mutating func read(_ root: TOMLTable) {
        for entry in root.entries {
            let isTableName = Schema.tables.contains(entry.key) && !entry.key.isEmpty
            switch entry.node.value {
            case .table(let table) where entry.key == "node":
                readNodes(table, at: entry.node.position)
            case .table(let table) where entry.key == "producer":
                readProducers(table, at: entry.node.position)
            case _ where entry.key == "notify":
                notifyEntry = entry.node
            case .table(let table) where isTableName:
                read(table, named: entry.key)
            case .table:
                unknownTable([entry.key], at: entry.node.position)
            case let other where isTableName:
                problem(entry.node.position, "`\(entry.key)` is a table: write [\(entry.key)] with its keys on the lines below it, found \(other.typeName)")
            default:
                read(entry, in: "")
            }
        }
        if let n = notifyEntry { readNotify(n) }
    }

    mutating func read(_ table: TOMLTable, named name: String) {
        for entry in table.entries {
            if case .table = entry.node.value, Schema.spec(table: name, key: entry.key) == nil {
                unknownTable([name, entry.key], at: entry.node.position)
            } else {
                read(entry, in: name)
            }
        }
    }

    mutating func read(_ entry: TOMLEntry, in table: String) {
        guard let spec = Schema.spec(table: table, key: entry.key) else {
            unknown(entry.key, at: entry.keyPosition, in: table)
            return
        }
        do {
            try spec.read(&config, entry.node)
            setAt[spec.dottedName] = entry.node.position
        } catch {
            failed.insert(spec.dottedName)
            problem(entry.node.position, "\(spec.dottedName): \(error.message)")
        }
    }

    /// "unknown key `x` in [t]", with the nearest key of that table, or the
    /// table the key belongs in. `table` is "" for the top level.
    static func unknownKey(_ key: String, in table: String, candidates: [String]? = nil) -> String {
        let candidates = candidates ?? Schema.keys.filter { $0.table == table }.map(\.key)
        var message = "unknown key `\(TOMLKeyPath.displayKey(key))`\(table.isEmpty ? "" : " in [\(table)]")"
        if let near = Suggest.nearest(key, among: candidates) {
            message += ", did you mean `\(near)`?"
        } else if let other = Schema.keys.first(where: { $0.key == key }) {
            message += "; it belongs in \(other.table.isEmpty ? "the top level, before any [table]" : "[\(other.table)]")"
        } else if Schema.nodeSpec(key) != nil {
            message += "; it belongs in a node's table, such as [node.dmo]"
        }
        return message
    }

    mutating func unknownTable(_ path: [String], at: SourcePosition) {
        let name = TOMLKeyPath.display(path)
        var message = "unknown table [\(name)]"
        let tables = Schema.tables.filter { !$0.isEmpty }
        if path.count == 1, let near = Suggest.nearest(path[0], among: tables) {
            message += ", did you mean [\(near)]?"
        } else if path.count == 1, Schema.spec(table: "", key: path[0]) != nil {
            message += "; `\(path[0])` is a key of the top level: write `\(path[0]) = ...` before any [table]"
        } else {
            message += "; the tables are " + tables.map { $0 == "notify" ? "[[notify]]" : "[\($0)]" }.joined(separator: ", ")
        }
        problem(at, message)
    }
}
