// The configuration the daemon runs, as it accepted it: saved in
// state_directory at each start and accepted reload. The sender
// (nodeguard-notify.service) delivers with it, so the targets a message was
// queued for are the ones it goes to, and `nodeguard status` finds the
// daemon's status file with it, whatever an unfinished edit left on disk.
#if canImport(Glibc)
import Glibc
#endif
import TOML

public enum AcceptedConfig {
    static let mark = "# nodeguardd accepted this configuration from "

    public static func path(stateDirectory: String) -> String { stateDirectory + "/accepted.toml" }

    /// The daemon, after a load it accepted; `text` nil (the embedded
    /// defaults) removes the copy, so nothing older stands in for them.
    public static func save(_ text: [UInt8]?, from source: String, stateDirectory: String) -> Int32 {
        let p = path(stateDirectory: stateDirectory)
        guard let text else { unlink(p); return 0 }
        _ = FileIO.makeDirectories(stateDirectory, mode: 0o755)
        let head = mark + absolute(source) + "\n# It is what the daemon runs and what nodeguard-notify.service sends with;"
            + " rewritten at each start and reload. Do not edit.\n"
        return FileIO.writeAtomically(p, Array(head.utf8) + text, durable: true, mode: 0o600)
    }

    /// What the CLI reads when the daemon's own configuration matters.
    public enum Preference: Sendable {
        /// The daemon's, when it saved one for this file (the sender).
        case running
        /// The file; the daemon's when the file is not valid (status, queue).
        case file
    }

    /// The config to use, and a line to show when it is not the file's.
    public static func load(path: String, required: Bool, prefer: Preference) -> (Result<Config, ConfigErrors>, note: String?) {
        let onDisk = ConfigLoader.load(path: path, required: required).map { loaded -> Config in
            switch loaded { case .file(let c), .defaults(let c): return c }
        }
        let stateDirectory = (try? onDisk.get())?.stateDirectory ?? stateDirectoryWritten(in: path) ?? Config().stateDirectory
        let running = read(stateDirectory: stateDirectory, source: path)
        switch (prefer, onDisk, running) {
        case (.running, _, let r?):
            return (.success(r), nil)
        case (.file, .failure(let e), let r?):
            return (.success(r), "nodeguard: \(Printable.escaped(path)) has \(counted(e.problems.count, "error")) (`nodeguard config check`); "
                    + "using the configuration nodeguardd accepted (\(AcceptedConfig.path(stateDirectory: stateDirectory)))")
        default:
            return (onDisk, nil)
        }
    }

    /// The daemon's copy in `stateDirectory`, if it was accepted from `source`.
    static func read(stateDirectory: String, source: String) -> Config? {
        let p = path(stateDirectory: stateDirectory)
        guard let head = FileIO.readText(p, limit: 4096)?.split(separator: "\n", maxSplits: 1).first,
              head == mark + absolute(source),
              case .success(.file(let c)) = ConfigLoader.load(path: p, required: true) else { return nil }
        return c
    }

    /// state_directory as an invalid file writes it, when its TOML still parses.
    static func stateDirectoryWritten(in path: String) -> String? {
        guard let bytes = FileIO.readBytes(path, limit: TOMLParser.maxBytes),
              let doc = try? TOMLParser.parse(bytes: bytes),
              case .string(let s)? = doc["state_directory"]?.node.value, s.hasPrefix("/") else { return nil }
        return s
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + path
    }
}
