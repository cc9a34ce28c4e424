// The tables of a document while it is read, with TOML's rules on who may
// define or extend which table. Tables live in one array and refer to each
// other by index, so nothing is copied as a deep document grows.

struct Document {
    /// How a table came to be; it decides what may still add to it.
    enum Origin {
        case root
        case header        // [a.b]
        case implicit      // `a` of [a.b], until [a] defines it
        case dotted        // `a` of a.b = 1
        case inline        // { ... }: complete when closed
        case element       // one [[a]]
    }

    indirect enum Raw {
        case scalar(TOMLValue)
        case array([RawNode])
        case table(Int)
        case tableArray(Int)   // an index into tableArrays
    }

    struct RawNode {
        var raw: Raw
        var position: SourcePosition
    }

    struct Slot {
        var key: String
        var keyPosition: SourcePosition
        var node: RawNode
    }

    struct Table {
        var origin: Origin
        var position: SourcePosition
        var depth: Int
        var slots: [Slot] = []
        var index: [String: Int] = [:]
    }

    let maxDepth: Int
    private(set) var tables: [Table]
    private var tableArrays: [[Int]] = []

    init(maxDepth: Int) {
        self.maxDepth = maxDepth
        tables = [Table(origin: .root, position: SourcePosition(line: 1, column: 1), depth: 0)]
    }

    func depthError(_ at: SourcePosition) -> TOMLError {
        TOMLError(position: at, message: "nested deeper than \(maxDepth) levels of tables and arrays; nodeguard reads no deeper")
    }

    mutating func newTable(_ origin: Origin, at position: SourcePosition, depth: Int) throws(TOMLError) -> Int {
        guard depth <= maxDepth else { throw depthError(position) }
        tables.append(Table(origin: origin, position: position, depth: depth))
        return tables.count - 1
    }

    mutating func add(_ key: KeyPart, _ node: RawNode, to table: Int) {
        tables[table].index[key.name] = tables[table].slots.count
        tables[table].slots.append(Slot(key: key.name, keyPosition: key.position, node: node))
    }

    func slot(_ key: String, in table: Int) -> Slot? {
        tables[table].index[key].map { tables[table].slots[$0] }
    }

    /// Every table made since `count` is part of an inline table just closed.
    mutating func seal(since count: Int) {
        for t in count..<tables.count { tables[t].origin = .inline }
    }

    // MARK: [a.b], [[a.b]] and a.b = v

    /// The table `[path]` defines; the header at `at`.
    mutating func defineTable(_ path: [KeyPart], at: SourcePosition) throws(TOMLError) -> Int {
        let parent = try walkHeader(path.dropLast(), at: at)
        let last = path[path.count - 1]
        let shown = "[" + TOMLKeyPath.display(path.map(\.name)) + "]"
        guard let existing = slot(last.name, in: parent) else {
            let t = try newTable(.header, at: at, depth: tables[parent].depth + 1)
            add(last, RawNode(raw: .table(t), position: at), to: parent)
            return t
        }
        guard case .table(let t) = existing.node.raw else {
            if case .tableArray = existing.node.raw {
                throw TOMLError(position: at, message: "\(shown) names an array of tables (made with [[…]] at \(existing.node.position)); use [[\(shown.dropFirst().dropLast())]] to add to it")
            }
            throw TOMLError(position: at, message: "\(shown) names a key that already holds \(typeName(existing.node.raw)) (at \(existing.node.position))")
        }
        switch tables[t].origin {
        case .implicit:
            tables[t].origin = .header
            tables[t].position = at
            replaceNodePosition(last.name, in: parent, with: at)
            return t
        case .dotted:
            throw TOMLError(position: at, message: "table \(shown) was already made by dotted keys at \(existing.keyPosition); a [table] header cannot define it again")
        case .inline:
            throw TOMLError(position: at, message: "table \(shown) is an inline table (at \(existing.node.position)) and cannot be defined again")
        default:
            throw TOMLError(position: at, message: "table \(shown) is defined twice (first at \(tables[t].position))")
        }
    }

    /// A new element of the array of tables `[[path]]`.
    mutating func appendTable(_ path: [KeyPart], at: SourcePosition) throws(TOMLError) -> Int {
        let parent = try walkHeader(path.dropLast(), at: at)
        let last = path[path.count - 1]
        let depth = tables[parent].depth + 1
        guard let existing = slot(last.name, in: parent) else {
            let t = try newTable(.element, at: at, depth: depth + 1)
            tableArrays.append([t])
            add(last, RawNode(raw: .tableArray(tableArrays.count - 1), position: at), to: parent)
            return t
        }
        guard case .tableArray(let list) = existing.node.raw else {
            let what = typeName(existing.node.raw)
            throw TOMLError(position: at, message: "[[\(TOMLKeyPath.display(path.map(\.name)))]] names a key that already holds \(what) (at \(existing.node.position)); [[…]] adds only to arrays of tables made with [[…]]")
        }
        let t = try newTable(.element, at: at, depth: depth + 1)
        tableArrays[list].append(t)
        return t
    }

    /// The parents of a header: made implicitly where missing; an array of
    /// tables stands for its last element.
    mutating func walkHeader(_ path: ArraySlice<KeyPart>, at: SourcePosition) throws(TOMLError) -> Int {
        var t = 0
        for (n, part) in path.enumerated() {
            guard let existing = slot(part.name, in: t) else {
                let child = try newTable(.implicit, at: at, depth: tables[t].depth + 1)
                add(part, RawNode(raw: .table(child), position: at), to: t)
                t = child
                continue
            }
            let shown = TOMLKeyPath.display(path.prefix(n + 1).map(\.name))
            switch existing.node.raw {
            case .table(let child) where tables[child].origin == .inline:
                throw TOMLError(position: at, message: "`\(shown)` is an inline table (at \(existing.node.position)) and cannot be extended; add the keys inside its braces")
            case .table(let child): t = child
            case .tableArray(let list): t = tableArrays[list].last!
            default:
                throw TOMLError(position: at, message: "`\(shown)` already holds \(typeName(existing.node.raw)) (at \(existing.node.position)), not a table")
            }
        }
        return t
    }

    /// `a.b.c = v` in `table`: `a` and `b` are tables made (or extended) by dotted keys.
    mutating func insert(_ path: [KeyPart], _ node: RawNode, into table: Int) throws(TOMLError) {
        var t = table
        for (n, part) in path.dropLast().enumerated() {
            guard let existing = slot(part.name, in: t) else {
                let child = try newTable(.dotted, at: part.position, depth: tables[t].depth + 1)
                add(part, RawNode(raw: .table(child), position: part.position), to: t)
                t = child
                continue
            }
            let shown = TOMLKeyPath.display(path.prefix(n + 1).map(\.name))
            guard case .table(let child) = existing.node.raw, tables[child].origin == .dotted || tables[child].origin == .implicit else {
                throw TOMLError(position: part.position, message: dottedClash(shown, existing))
            }
            // Once dotted keys have added to it, a [header] cannot define it.
            tables[child].origin = .dotted
            t = child
        }
        let last = path[path.count - 1]
        if let existing = slot(last.name, in: t) {
            throw TOMLError(position: last.position, message: "key `\(TOMLKeyPath.display(path.map(\.name)))` is defined twice (first at \(existing.keyPosition))")
        }
        add(last, node, to: t)
    }

    func dottedClash(_ shown: String, _ existing: Slot) -> String {
        guard case .table(let child) = existing.node.raw else {
            if case .tableArray = existing.node.raw {
                return "`\(shown)` is an array of tables (at \(existing.node.position)); dotted keys cannot add to it, use [[\(shown)]]"
            }
            return "`\(shown)` already holds \(typeName(existing.node.raw)) (at \(existing.node.position)), so it cannot have keys"
        }
        if tables[child].origin == .inline {
            return "`\(shown)` is an inline table (at \(existing.node.position)) and cannot be extended; add the keys inside its braces"
        }
        return "table `\(shown)` is defined by a [header] at \(tables[child].position); add its keys under that header, not with dotted keys"
    }

    mutating func replaceNodePosition(_ key: String, in table: Int, with at: SourcePosition) {
        if let i = tables[table].index[key] { tables[table].slots[i].node.position = at }
    }

    func typeName(_ raw: Raw) -> String {
        switch raw {
        case .scalar(let v): return v.typeName
        case .array: return "an array"
        case .table: return "a table"
        case .tableArray: return "an array of tables"
        }
    }

    // MARK: the finished tree

    /// The document as a tree; its depth is bounded by `maxDepth`.
    func tree() -> TOMLTable { table(0) }

    func table(_ t: Int) -> TOMLTable {
        TOMLTable(entries: tables[t].slots.map { TOMLEntry(key: $0.key, keyPosition: $0.keyPosition, node: node($0.node)) })
    }

    func node(_ n: RawNode) -> TOMLNode {
        switch n.raw {
        case .scalar(let v): return TOMLNode(v, at: n.position)
        case .array(let items): return TOMLNode(.array(items.map(node)), at: n.position)
        case .table(let t): return TOMLNode(.table(table(t)), at: n.position)
        case .tableArray(let list):
            return TOMLNode(.array(tableArrays[list].map { TOMLNode(.table(table($0)), at: tables[$0].position) }), at: n.position)
        }
    }
}
