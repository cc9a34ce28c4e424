// The commented reference config: every key, its default and what it does.
// Shipped as /etc/nodeguard/nodeguard.toml and printed by `nodeguard config defaults`.

import NodeGuardKit
import TOML

public enum ReferenceConfig {
    static let examples: [String: String] = [
        "node.unit": "\"dmo-node.service\"",
        "node.pidfile": "\"/run/dmo-node.pid\"",
        "node.container": "\"dmo-node\"",
        "node.restart_command": "[\"/usr/local/bin/restart-node\", \"--graceful\"]",
        "bandwidth.interfaces": "[\"eth0\"]",
        "bandwidth.action_nodes": "[\"dmo\"]",
        "metrics.textfile": "\"/var/lib/prometheus/node-exporter/nodeguard.prom\"",
        "heartbeat.url_file": "\"/etc/nodeguard/heartbeat.url\"", "heartbeat.url": "\"https://hc-ping.com/use-url_file-instead\"",
        "heartbeat.fail_url_file": "\"/etc/nodeguard/heartbeat-fail.url\"", "heartbeat.ca_file": "\"/etc/nodeguard/my-ca.pem\"", "heartbeat.fail_url": "\"https://hc-ping.com/use-fail_url_file-instead/fail\"",
    ]

    /// A shown value in TOML syntax.
    static func literal(_ shown: String) -> String {
        if shown == "true" || shown == "false" || shown.hasPrefix("[") || (!shown.isEmpty && shown.allSatisfy(\.isNumber)) { return shown }
        return "\"\(shown.filter { $0 != " " })\""
    }

    public static func text() -> String {
        let defaults = Config()
        var out = """
        # nodeguard configuration (see nodeguard.toml(5)).
        # Every key is optional: the commented value is the default, which fits a
        # 2 GB VPS. Sizes: B, kB, MB, GB, TB, KiB, MiB, GiB, TiB ("1.2GiB").
        # Shares: "80%". Durations: ms, s, m, h, d ("30s", "10m", "1h30m").
        # A space between number and unit is allowed ("1.2 GiB", "1h 30m").
        # Each key's range is in nodeguard.toml(5).
        # Check a change with `nodeguard config check`, apply it with
        # `systemctl reload nodeguard`.

        """
        for table in Schema.tables {
            if table == "node" { out += nodeSection(); continue }
            if table == "notify" { out += notifySection(); continue }
            if table == "producer" { out += producerSection(); continue }
            if !table.isEmpty { out += "\n[\(table)]\n" }
            for k in Schema.keys where k.table == table {
                out += commented(k.key, help: k.help, shown: k.value(in: defaults), example: examples[k.dottedName])
            }
        }
        return out
    }

    /// One key of the reference: its help, then the key commented out with
    /// its default, or an example when it has none.
    static func commented(_ key: String, help: String, shown: String, example: String?) -> String {
        if shown.isEmpty || shown == "[]" {
            // A default that depends on another key is in the help: then only an example.
            let unset = help.contains("Default") ? "For example:" : "Not set by default."
            return "\n# \(help) \(unset)\n# \(key) = \(example ?? "\"\"")\n"
        }
        return "\n# \(help)\n# \(key) = \(literal(shown))\n"
    }

    /// Examples of the node keys that have no default.
    static let nodeExamples: [String: String] = [
        "unit": "\"dmo-node.service\"", "pidfile": "\"/run/dmo-node.pid\"", "container": "\"dmo-node\"",
        "restart_command": "[\"/usr/local/bin/restart-node\", \"--graceful\"]",
        "warn_above": "\"900MiB\"", "restart_above": "\"1.2GiB\"", "for": "\"3m\"", "for_cycles": "18", "trend_window": "\"1h\"",
        "then_restart": "[\"dmo-bridge\", \"dmo-web\"]",
        "rpc": "\"bitcoind\"", "rpc_url": "\"http://127.0.0.1:6433/\"", "rpc_cookie": "\"/var/lib/dmo/.dynamo/.cookie\"",
        "rpc_user": "\"nodeguard\"", "rpc_password_file": "\"/etc/nodeguard/dmo-rpc.password\"", "rpc_password": "\"use-rpc_password_file-instead\"",
        "height_pointer": "\"/result/sync_info/latest_block_height\"", "rpc_every": "\"1m\"", "rpc_timeout": "\"20s\"",
        "down_after": "\"15m\"", "stalled_after": "\"90m\"", "startup_grace": "\"30m\"", "behind_by": "6",
        "reference": "\"headers\"", "behind_for": "\"30m\"", "isolated_after": "\"20m\"",
        "producer_api": "\"http://127.0.0.1:8890\"",
    ]

    static let nodeIntro = """

        # The nodes to guard, each in a [node.NAME] table of its own: NAME is
        # yours (dmo, producer, failover) and names the node in every event, in
        # `nodeguard status` and in the state files. Copy the table for each node.
        # Each node has its own alarms, grace and restart budget. (A 0.1.0
        # config's single [node] table of keys still works: one node.)
        #
        # [node.dmo]

        """

    static let producerIntro = """

        # EOS/Antelope block producers: the nodeos nodes that hold one producer
        # account's key (each a [node.NAME] watched with rpc "nodeos") in a
        # [producer.ACCOUNT] table, ACCOUNT as the schedule names it. nodeguard
        # keeps at most one of them producing, pausing and resuming them over
        # the producer API, and moves production when the producing one fails
        # (docs/producers.md).
        #
        # [producer.ourbpaccount]

        """

    static func producerSection() -> String {
        let defaults = ProducerGroup()
        return producerIntro + Schema.producerKeys.map { k in
            commented(k.key, help: k.help, shown: k.value(in: defaults), example: ["nodes": "[\"producer\", \"failover\"]", "lease": "[]"][k.key])
        }.joined()
    }

    static func nodeSection() -> String {
        let defaults = NodeConfig()
        return nodeIntro + Schema.nodeKeys.map { k in
            commented(k.key, help: k.help, shown: k.value(in: defaults), example: nodeExamples[k.key])
        }.joined()
    }
}

// nodeguard.toml(5), generated from the same schema so the manual cannot
// drift from what the parser accepts. Shipped in the .deb, printed by
// `nodeguard config man`.
extension ReferenceConfig {
    static let tableIntro: [String: String] = [
        "": "Top-level keys: the check loop and where nodeguard keeps its files.",
        "node": "Each node to guard is a [node.NAME] table; NAME (letters, digits, -, _ and .) is the operator's name for it and appears in every event (NODEGUARD_NODE), the status and the state files. A node is one of unit, pidfile or container; it has its own alarms, grace and restart budget, and its own memory thresholds where it sets them. A 0.1.0 config's single [node] table of keys means one node, named after its unit, container or pidfile; mixing keys in [node] with [node.NAME] tables is an error.",
        "producer": "Each producer group is a [producer.ACCOUNT] table; ACCOUNT is the producer account as the chain's schedule names it. Its nodes hold that account's key; nodeguard keeps at most one of them producing: it resumes one only when every other is confirmed paused (its own pause answered and paused read true) or its process is gone, and stops (fences) a member that cannot be confirmed paused before another is resumed. The groups are judged every producer_every.",
        "memory": "The node's resident anonymous memory (page cache does not count) and the host's available memory.",
        "disk": "Free space and inodes on the filesystems that hold the node's data.",
        "docker_logs": "Docker json-file logs of every container, and how they are pruned.",
        "journal": "journald's disk usage, as journalctl --disk-usage counts it.",
        "bandwidth": "Traffic per billing month, the quota and what to do before it is blown.",
        "notify": notifyIntro,
        "heartbeat": "A dead-man's switch: nodeguard pings a URL after completed check cycles, at most once per `every`. Services such as healthchecks.io, an Uptime Kuma push monitor or cronitor alert you when the pings stop: nodeguard hung or dead, the VPS frozen or powered off. The pings are sent by nodeguard-notify.service, as notifications are.",
        "metrics": "Prometheus metrics for node_exporter's textfile collector: every reading as a gauge, restarts and bytes freed as counters that continue across restarts of nodeguard (kept in state_directory/counters). Alert rules that use them are in /usr/share/doc/nodeguard/examples/nodeguard-alerts.yml.",
    ]

    /// Text for roff: backslashes escaped, hyphens as \- so they can be copied,
    /// and no line starting with a control character.
    static func roff(_ s: String) -> String {
        var out = s.replacing("\\", with: "\\e").replacing("-", with: "\\-")
        // `command` in the help text becomes bold, as man pages show commands.
        out = out.split(separator: "`", omittingEmptySubsequences: false).enumerated().map { i, part in
            (i == 0 ? "" : (i % 2 == 1 ? "\\fB" : "\\fR")) + part
        }.joined()
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// A TOML value as a .BR argument: its double quotes as \(dq, so roff
    /// does not take them for argument quotes.
    static func roffValue(_ s: String) -> String { roff(s).replacing("\"", with: "\\(dq") }

    /// The range a key's reader enforces ("1m and 7d"), from its spec.
    static func range(of k: KeySpec) -> String? { k.range?.text }
    static func range<T>(of k: TableKeySpec<T>, in blank: T) -> String? { k.range?.text }

    /// One key in the manual: its name, its help, its range, its default or an example.
    static func manEntry(_ key: String, help: String, range: String?, shown: String, example: String?) -> String {
        var out = ".TP\n.B \(roff(key))\n\(roff(help))\n"
        if let range { out += "From \(roff(range.replacing(" and ", with: " to "))).\n" }
        if (shown.isEmpty || shown == "[]") && help.contains("Default") {
            out += example.map { "For example\n.BR \(roffValue($0)) .\n" } ?? ""
        } else if shown.isEmpty || shown == "[]" {
            out += "Not set by default" + (example.map { "; for example\n.BR \(roffValue($0)) ." } ?? ".") + "\n"
        } else {
            out += "Default:\n.BR \(roffValue(literal(shown))) .\n"
        }
        return out
    }

    /// The keys of every section, after its heading and intro.
    static func manSections() -> String {
        var out = ""
        for table in Schema.tables {
            out += table.isEmpty ? ".SH \"TOP-LEVEL KEYS\"\n" : table == "node" ? ".SH \"[NODE.NAME]\"\n"
                : table == "producer" ? ".SH \"[PRODUCER.ACCOUNT]\"\n"
                : table == "notify" ? ".SH \"[[NOTIFY]]\"\n" : ".SH \"[\(table.uppercased())]\"\n"
            if let intro = tableIntro[table] { out += roff(intro) + "\n" }
            if table == "notify" {
                out += Schema.notifyKeys.map { manEntry($0.key, help: $0.help, range: range(of: $0, in: NotifyTarget()), shown: $0.value(in: NotifyTarget()), example: notifyExamples[$0.key]) }.joined()
            }
            if table == "producer" {
                out += Schema.producerKeys.map { manEntry($0.key, help: $0.help, range: range(of: $0, in: ProducerGroup()), shown: $0.value(in: ProducerGroup()), example: ["nodes": "[\"producer\", \"failover\"]", "lease": "[]"][$0.key]) }.joined()
            }
            if table == "node" {
                out += Schema.nodeKeys.map { manEntry($0.key, help: $0.help, range: range(of: $0, in: NodeConfig()), shown: $0.value(in: NodeConfig()), example: nodeExamples[$0.key]) }.joined()
            }
            for k in Schema.keys where k.table == table {
                out += manEntry(k.key, help: k.help, range: range(of: k), shown: k.value(in: Config()), example: examples[k.dottedName])
            }
        }
        return out
    }

    public static func manPage(date: String) -> String {
        manHead(date: date) + manSections() + manTail
    }

    static func manHead(date: String) -> String {
        """
        .TH NODEGUARD.TOML 5 "\(date)" "nodeguard \(NodeGuardVersion.string)" "File Formats"
        .SH NAME
        nodeguard.toml \\- configuration of the nodeguard host resource guardian
        .SH SYNOPSIS
        .I /etc/nodeguard/nodeguard.toml
        .SH DESCRIPTION
        The daemon, nodeguardd (see
        .BR nodeguard (8)),
        reads its thresholds from this TOML file at start and again on
        .BR "systemctl reload nodeguard" .
        Every key is optional; with no file at all the daemon runs on the embedded
        defaults, which fit a 2\\ GB VPS, and says so once in the journal.
        The shipped file lists every key, commented out, with its default.
        .PP
        Check a file with
        .BR "nodeguard config check" ;
        errors are reported as
        .IR PATH:LINE:COL:\\ message ,
        unknown keys with the nearest valid key; a valid file whose default
        conflicts with a set threshold on this host's RAM gets a
        .I warning:
        line at the set key.
        .B "nodeguard config check \\-\\-probe"
        also looks for the units, containers, pidfiles and paths the file names.
        A reload with an invalid file keeps the old configuration in force.
        The file must not be writable by any user but root: it names units to
        restart and commands to run as root, so nodeguard refuses it otherwise.

        """ + manValues + manSyntax
    }

    static let manSyntax = """
        .SS Syntax
        The file is TOML 1.0 (https://toml.io/en/v1.0.0), read strictly: dotted keys
        .RB ( "memory.restart_above = \\(dq1GiB\\(dq" ),
        inline tables, arrays of tables, multi-line strings and every number form
        mean what TOML says. Invalid UTF-8, control characters, a bare carriage
        return, malformed numbers and keys or tables defined twice are errors.
        A value of a type no key takes (a date, say) is a type error at that key.
        Every error is one line,
        .IR PATH : LINE : COLUMN ": message" ,
        with control characters from the file escaped, and a key or value of more than
        200 characters cut to its start with its length. A file over 1 MiB, nested
        more than 64 tables and arrays deep, or holding more than 10,000 values and
        tables, is refused whole. Past 100 errors the rest are counted. A leap second
        .RB ( 23:59:60 )
        is not a valid time here, as in Go's and Python's TOML readers.

        """

    /// How sizes, shares, durations and commands are written.
    static let manValues = """
        .SS Values
        .TP
        .B Sizes
        a string with a unit: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB
        (powers of 1024), such as
        .BR \\(dq1.2GiB\\(dq .
        A bare number is an error: 100 could mean bytes or megabytes.
        .TP
        .B Shares
        a percentage of a total, from 0% to 100%, such as
        .BR \\(dq80%\\(dq .
        .TP
        .B Durations
        a number with ms, s, m, h or d, or several of them, such as
        .BR \\(dq500ms\\(dq ", " \\(dq30s\\(dq ", " \\(dq10m\\(dq ", " \\(dq6h\\(dq ", " \\(dq7d\\(dq ", " \\(dq1h30m\\(dq .
        Each key's range is given with the key.
        .TP
        .B Commands
        an argv array run without a shell, such as
        .BR "[\\(dq/usr/bin/docker\\(dq, \\(dqrestart\\(dq, \\(dqnode\\(dq]" .
        .PP
        A space between the number and the unit is allowed in sizes, shares and
        durations
        .RB ( \\(dq1.2\\ GiB\\(dq ", " \\(dq1h\\ 30m\\(dq ),
        because nodeguard prints them that way and people paste what they see.

        """

    static let manTail = """
        .SH EXAMPLE
        A Dynamo node run by systemd and its bridge container on a 2\\ GB VPS with a 2\\ TB monthly quota:
        .PP
        .nf
        .RS
        interval = \\(dq10s\\(dq
        [node.dmo]
        unit = \\(dqdmo\\-node.service\\(dq
        [node.bridge]
        container = \\(dqdmo\\-bridge\\(dq
        restart_above = \\(dq300MiB\\(dq
        [memory]
        restart_above = \\(dq1.2GiB\\(dq
        for = \\(dq2m\\(dq
        [disk]
        paths = [\\(dq/\\(dq, \\(dq/var/lib/dmo\\(dq]
        [bandwidth]
        quota = \\(dq2TB\\(dq
        billing_day = 5
        action = \\(dqstop\\-node\\(dq
        action_nodes = [\\(dqdmo\\(dq]
        .RE
        .fi
        .SH FILES
        .TP
        .I /etc/nodeguard/nodeguard.toml
        this file (a conffile: upgrades keep your edits)
        .TP
        .I /var/lib/nodeguard
        each node's restart history (nodes/NAME), recent actions and the bandwidth ledger (state_directory)
        .TP
        .I /run/nodeguard/status.json
        the daemon's current view (status_file)
        .SH SEE ALSO
        .BR nodeguard (8),
        .BR journalctl (1),
        .BR systemctl (1)

        """
}
