// Rules between a node's liveness keys, and between nodes (a reference must
// be a node of the same chain). Checked once every key has been read.
import TOML

extension TableReader {
    static let livenessOnlyKeys = ["rpc_url", "rpc_cookie", "rpc_user", "rpc_password_file", "rpc_password", "height_pointer",
                                   "rpc_every", "rpc_timeout", "down_after", "stalled_after", "startup_grace",
                                   "behind_by", "reference", "behind_for", "isolated_after"]

    mutating func relateLiveness(_ n: NodeConfig, prefix p: String) {
        let l = n.liveness
        guard let dialect = l.dialect else {
            if let key = Self.livenessOnlyKeys.first(where: { setAt["\(p).\($0)"] != nil }) {
                problem(at(node: n.name, key), "\(p).\(key) belongs to chain liveness; set \(p).rpc too (such as rpc = \"bitcoind\")")
            }
            return
        }
        relateCredentials(n, prefix: p)
        if dialect == .http && l.url == nil {
            problem(at(node: n.name, "rpc"), "\(p): rpc = \"http\" needs rpc_url, the URL that answers JSON")
        }
        if l.heightPointer != nil && dialect != .http {
            problem(at(node: n.name, "height_pointer"), "\(p).height_pointer is for rpc = \"http\"; rpc = \"\(dialect.rawValue)\" reads the height itself")
        }
        if l.reference == "headers" && dialect != .bitcoind {
            problem(at(node: n.name, "reference"), "\(p).reference = \"headers\" is bitcoind's own header chain; for rpc = \"\(dialect.rawValue)\" name another node")
        }
        if l.behindBy > 0 && l.reference == nil {
            problem(at(node: n.name, "behind_by"), "\(p).behind_by needs a reference: another node of the same chain, or \"headers\" for bitcoind")
        }
        if l.reference != nil && l.behindBy == 0 {
            problem(at(node: n.name, "reference"), "\(p).reference is compared through behind_by; set behind_by, the blocks behind that count")
        }
    }

    /// One source of credentials; an inline password only from a file no one else can read.
    mutating func relateCredentials(_ n: NodeConfig, prefix p: String) {
        let l = n.liveness
        let sources = [l.cookieFile != nil, l.passwordFile != nil, l.password != nil].filter { $0 }.count
        if sources > 1 {
            problem(at(node: n.name, "rpc_cookie", "rpc_password_file", "rpc_password"), "\(p): set one of rpc_cookie, rpc_password_file or rpc_password, not several")
        }
        if (l.passwordFile != nil || l.password != nil) && l.user == nil {
            problem(at(node: n.name, "rpc_password_file", "rpc_password"), "\(p): a password needs rpc_user, the user it belongs to")
        }
        if l.user != nil && l.passwordFile == nil && l.password == nil {
            problem(at(node: n.name, "rpc_user"), "\(p).rpc_user needs rpc_password_file, a file that holds the password")
        }
        if l.password != nil && !privateFile {
            problem(at(node: n.name, "rpc_password"), "\(p).rpc_password: this config file can be read by users other than root; put the password in a file named by rpc_password_file (mode 0600), or `chmod 600` this file and `chown root` it")
        }
    }

    /// A reference is another node of the same chain that is itself watched.
    mutating func relateReferences() {
        for n in config.nodes {
            guard let ref = n.liveness.reference, ref != "headers" else { continue }
            let p = prefix(of: n.name)
            guard let other = config.node(named: ref) else {
                problem(at(node: n.name, "reference"), "\(p).reference names `\(ref)`, which is no node; the nodes are \(nodeList), or \"headers\" for bitcoind")
                continue
            }
            if other.name == n.name {
                problem(at(node: n.name, "reference"), "\(p).reference names the node itself; name another node of the same chain")
            } else if other.liveness.dialect != n.liveness.dialect {
                problem(at(node: n.name, "reference"), "\(p).reference: node \(ref) must be watched with the same rpc (\(n.liveness.dialect?.rawValue ?? "")) to be compared; set its rpc")
            }
        }
    }
}
