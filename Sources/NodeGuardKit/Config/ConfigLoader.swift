// Turns a TOML document into a Config, collecting every error with its
// position, in the `PATH:LINE:COL: message` form editors and `config check` use.
#if canImport(Glibc)
import Glibc
#endif
import TOML

public struct ConfigProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var position: SourcePosition?
    public var message: String

    /// One line whatever the file held: control characters are escaped.
    public var description: String { line(label: nil) }

    /// "PATH:LINE:COL: warning: message", for a note on a valid file.
    public var warningLine: String { line(label: "warning") }

    func line(label: String?) -> String {
        let where_ = position.map { "\(Printable.escaped(path)):\($0.line):\($0.column)" } ?? Printable.escaped(path)
        return "\(where_): \(label.map { $0 + ": " } ?? "")\(Printable.cutLongWords(Printable.escaped(message)))"
    }
}

/// Every problem found in one config file.
public struct ConfigErrors: Error, Equatable, Sendable {
    public var problems: [ConfigProblem]
    public init(_ problems: [ConfigProblem]) { self.problems = problems }
    public var lines: [String] { problems.map(\.description) }
}

public enum ConfigLoader {
    /// Decodes config text. All problems are returned, in file order.
    /// `privateFile`: no one but root can read it, so an inline secret is accepted.
    /// `hostMemTotal`: this host's RAM, to compare a size with a share of it.
    public static func decode(_ text: String, path: String, privateFile: Bool = false, hostMemTotal: UInt64? = nil) -> Result<Config, ConfigErrors> {
        decode(bytes: Array(text.utf8), path: path, privateFile: privateFile, hostMemTotal: hostMemTotal)
    }

    public static func decode(bytes: [UInt8], path: String, privateFile: Bool = false, hostMemTotal: UInt64? = nil) -> Result<Config, ConfigErrors> {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(bytes: bytes)
        } catch {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: error.position, message: error.message)]))
        }
        var reader = TableReader(path: path, privateFile: privateFile)
        reader.hostMemTotal = hostMemTotal
        reader.read(document)
        // Keys against each other too, so one run says every mistake; a
        // relation naming a key that could not be read is left out.
        reader.relateKeys()
        guard !reader.problems.isEmpty else { return .success(reader.config) }
        var problems = inFileOrder(reader.problems)
        if reader.problemsLeftOut > 0 {
            problems.append(ConfigProblem(path: path, position: nil,
                message: "and \(reader.problemsLeftOut) more problems past the first \(TableReader.maxProblems); fix these and check again"))
        }
        return .failure(ConfigErrors(problems))
    }

    static func inFileOrder(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        let start = SourcePosition(line: 0, column: 0)
        return problems.sorted { $0.position ?? start < $1.position ?? start }
    }

    /// Outcome of reading the config file from disk.
    public enum Loaded {
        case file(Config)
        /// No file at the default path: run on the embedded defaults.
        case defaults(Config)
    }

    /// Reads, checks ownership and decodes. `required` is set when the path was
    /// given explicitly: then a missing file is an error, not the defaults.
    public static func load(path: String, required: Bool) -> Result<Loaded, ConfigErrors> {
        loadKeepingText(path: path, required: required).map(\.loaded)
    }

    /// As `load`, with the bytes decoded (nil for the embedded defaults):
    /// the daemon keeps them as the configuration it accepted.
    public static func loadKeepingText(path: String, required: Bool) -> Result<(loaded: Loaded, text: [UInt8]?), ConfigErrors> {
        var st = stat()
        if stat(path, &st) != 0 {
            let err = errno
            if err == ENOENT && !required { return .success((Loaded.defaults(Config()), nil)) }
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: "cannot read the config file: \(String(cString: strerror(err)))\(err == ENOENT ? "; create it or pass --config PATH" : "")")]))
        }
        if let why = unsafeOwnership(st) {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: why)]))
        }
        // One byte past the limit is enough to refuse an oversized file whole.
        guard let bytes = FileIO.readBytes(path, limit: TOMLParser.maxBytes + 1) else {
            return .failure(ConfigErrors([ConfigProblem(path: path, position: nil, message: "cannot read the config file: \(String(cString: strerror(errno)))")]))
        }
        let privateFile = st.st_uid == 0 && st.st_mode & (S_IRGRP | S_IROTH) == 0
        let total = try? HostMemoryProbe.read(HostRoot("/")).get().total
        return decode(bytes: bytes, path: path, privateFile: privateFile, hostMemTotal: total).map { (Loaded.file($0), bytes) }
    }

    /// The config names units to restart and commands to run as root, so
    /// only root (or the user nodeguard runs as) may be able to change it.
    static func unsafeOwnership(_ st: stat) -> String? {
        let me = geteuid()
        let mode = st.st_mode
        if st.st_uid != 0 && st.st_uid != me {
            return "refusing a config file owned by uid \(st.st_uid): it names commands nodeguard runs as root; run `chown root:root` on it"
        }
        if mode & S_IWOTH != 0 {
            return "refusing a config file writable by other users: it names commands nodeguard runs as root; run `chmod o-w` on it"
        }
        if mode & S_IWGRP != 0 && st.st_gid != 0 {
            return "refusing a config file writable by group \(st.st_gid): it names commands nodeguard runs as root; run `chmod g-w` on it"
        }
        return nil
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[rest.startIndex..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
