// The CLI's commands as data: what `nodeguard --help` and `nodeguard
// COMMAND --help` print, and what the man page is tested against, so the
// three cannot disagree on an option or an exit status.

import NodeGuardKit
public struct CommandHelp: Sendable {
    public let name: String
    public let synopsis: String
    public let about: [String]
    public let exits: [ExitStatus]

    public struct ExitStatus: Sendable, Equatable {
        public let code: Int32
        public let meaning: String
    }

    /// Exit statuses every command shares.
    public static let usageError: Int32 = 64, invalidConfig: Int32 = 78
    static let usage = ExitStatus(code: usageError, meaning: "a usage error (unknown option, missing argument)")
    static let config = ExitStatus(code: invalidConfig, meaning: "the configuration file is invalid (its errors are printed)")

    /// "0 ok, 1 warning, 2 critical, 64 a usage error ...": one line, as the man page gives it.
    public var exitLine: String { exits.map { "\($0.code) \($0.meaning)" }.joined(separator: "; ") }

    public var text: String {
        var out = "usage: nodeguard \(name)\(synopsis.isEmpty ? "" : " " + synopsis)\n\n"
        for l in about { out += "  \(l)\n" }
        out += "\nexit status:\n"
        for e in exits { out += "  \(e.code)\(e.code < 10 ? " " : "") \(e.meaning)\n" }
        return out
    }

    public static func named(_ name: String) -> CommandHelp? { all.first { $0.name == name } }

    static func x(_ code: Int32, _ meaning: String) -> ExitStatus { ExitStatus(code: code, meaning: meaning) }

    public static let all: [CommandHelp] = [
        CommandHelp(name: "check", synopsis: "[--json] [--config PATH | --defaults]",
                    about: ["Run every probe once, without the daemon, and print the view.",
                            "--defaults: the embedded defaults, ignoring any config file."],
                    exits: [x(0, "every check ok"), x(1, "a warning"), x(2, "a critical check"), usage, config]),
        CommandHelp(name: "status", synopsis: "[--json] [--config PATH] [--status-file PATH]",
                    about: ["Print the running daemon's view: checks, projections, recent actions."],
                    exits: [x(0, "every check ok"), x(1, "a warning"), x(2, "a critical check"),
                            x(3, "the daemon is not running (stopped, gone, no status for three intervals, or no status file)"),
                            usage, config]),
        CommandHelp(name: "bandwidth", synopsis: "[--json] [--config PATH] [--months N] [--days N]",
                    about: ["Traffic per billing month and day, with the month's projection."],
                    exits: [x(0, "the table was printed"), x(1, "accounting is off or no interface can be counted"), usage, config]),
        CommandHelp(name: "doctor", synopsis: "[--json] [--config PATH] [--docker-socket PATH]",
                    about: ["Advice on this host's set-up (Docker log rotation, journald size, swap, the node",
                            "containers' limits and ports), and what it could not look at and why."],
                    exits: [x(0, "nothing to advise"), x(1, "advice was given"), usage, config]),
        CommandHelp(name: "producer", synopsis: "[--json] [--config PATH] [--status-file PATH]",
                    about: ["The producer groups ([producer.ACCOUNT]) as the daemon sees them: which member produces,",
                            "each member's paused state (and whether nodeguard caused it), head and lag, our last",
                            "block seen, our next turn, the blocks of ours missed in the last hour; across hosts, who",
                            "holds the lease, its fencing token and time left, and whether each etcd endpoint answers",
                            "(--json: each group's \"lease\" object)."],
                    exits: [x(0, "every group has a member producing, or stands by for the host that holds its lease"),
                            x(2, "a group has none producing, or two"),
                            x(3, "the daemon is not running (no status file)"), usage, config]),
        CommandHelp(name: "producer switch", synopsis: "[--config PATH] ACCOUNT [NODE]",
                    about: ["Move production of ACCOUNT to NODE (default: the first healthy standby), between our",
                            "turns: the producing member paused and confirmed, then NODE resumed. Across hosts (a",
                            "lease), run it on the standby host or name the other host's member on the holder. Root",
                            "only; waits for the daemon's answer (at most a round) and prints it."],
                    exits: [x(0, "done"), x(1, "refused or failed (the reason is printed)"),
                            x(3, "no answer in time: the request stays and is carried out when the daemon runs"),
                            x(4, "not root"), usage, config]),
        CommandHelp(name: "producer pause", synopsis: "[--config PATH] ACCOUNT",
                    about: ["Pause every member of ACCOUNT; nodeguard resumes none, whatever fails, until `resume`",
                            "(maintenance, a key rotation). Holds across restarts of nodeguard. Root only."],
                    exits: [x(0, "every member is confirmed paused"), x(1, "refused or failed"), x(3, "no answer in time"),
                            x(4, "not root"), usage, config]),
        CommandHelp(name: "producer resume", synopsis: "[--config PATH] ACCOUNT",
                    about: ["End `producer pause`: the chosen member (or the first healthy one) produces again. Root only."],
                    exits: [x(0, "a member produces"), x(1, "refused or failed"), x(3, "no answer in time"),
                            x(4, "not root"), usage, config]),
        CommandHelp(name: "config check", synopsis: "[--probe] [PATH]",
                    about: ["Validate a config file (default /etc/nodeguard/nodeguard.toml).",
                            "--probe: also look for what it names here: units, containers (the nearest name",
                            "on a miss), pidfiles, paths, the Docker socket; and say what could not be checked."],
                    exits: [x(0, "the file is valid (and with --probe, everything it names was found)"),
                            x(1, "the file has errors (one line each, as PATH:LINE:COL: message)"),
                            x(2, "with --probe: the file is valid but something it names is missing here"), usage]),
        CommandHelp(name: "config defaults", synopsis: "", about: ["Print the reference config: every key with its default."],
                    exits: [x(0, "printed"), usage]),
        CommandHelp(name: "config suggest", synopsis: "[--docker-socket PATH] [--root DIR]",
                    about: ["Print [node.NAME] tables for the services and containers that look like nodes here,",
                            "with thresholds from their memory now; changes nothing."],
                    exits: [x(0, "printed"), usage]),
        CommandHelp(name: "config man", synopsis: "", about: ["Print nodeguard.toml(5), the config reference as a man page."],
                    exits: [x(0, "printed"), usage]),
        CommandHelp(name: "notify test", synopsis: "[--config PATH] [NAME]",
                    about: ["Send a test message to each [[notify]] target (or the one named) now, and print",
                            "per target: delivered, or the server's error."],
                    exits: [x(0, "every target took it"), x(1, "a target did not (or none is configured)"), usage, config]),
        CommandHelp(name: "notify queue", synopsis: "[--config PATH]",
                    about: ["Print the messages waiting in the outbox, per target, and when each is retried."],
                    exits: [x(0, "printed"), usage, config]),
        CommandHelp(name: "notify send", synopsis: "[--config PATH]",
                    about: ["Deliver what is due in the outbox, then exit; nodeguard-notify.service runs it",
                            "when the daemon queues a message."],
                    exits: [x(0, "done (what could not be delivered waits for its retry)"), usage, config]),
        CommandHelp(name: "catalog", synopsis: "", about: ["Print the journal catalog (MESSAGE_ID explanations)."],
                    exits: [x(0, "printed"), usage]),
    ]

    /// `nodeguard --help`.
    public static var overview: String {
        var out = "usage: nodeguard COMMAND [OPTIONS]\n\n"
        for c in all {
            let head = "  \(c.name)\(c.synopsis.isEmpty ? "" : " " + c.synopsis)"
            out += head + "\n"
            for l in c.about { out += "      \(l)\n" }
        }
        out += "  --version\n      Print the version.\n\n"
        out += "`nodeguard COMMAND --help` prints a command's options and exit statuses.\n"
        out += "The daemon is nodeguardd, run by systemd as nodeguard.service.\n"
        return out
    }
}
