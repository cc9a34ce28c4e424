// [[notify]] in the reference config and the manual.
import NodeGuardKit

extension ReferenceConfig {
    static let notifyIntro = "Where nodeguard tells you what it saw and did: any number of [[notify]] tables, each a target of one kind. A problem is said once, again after repeat_after while it holds, and its recovery once; events within batch go out as one message; a storm is capped at max_per_hour. Messages are kept on disk under state_directory/outbox and sent by nodeguard-notify.service, the one process of nodeguard that reaches the network, with retries until give_up_after. Secrets (webhook URLs, tokens) belong in files named by url_file and token_file. `nodeguard notify test` sends a test message to each target."

    static let notifyExamples: [String: String] = [
        "kind": "\"ntfy\"", "name": "\"phone\"", "url_file": "\"/etc/nodeguard/ntfy.url\"", "url": "\"https://ntfy.sh/use-url_file-instead\"",
        "token_file": "\"/etc/nodeguard/telegram.token\"", "token": "\"use-token_file-instead\"", "chat_id": "\"123456789\"",
        "api_url": "\"https://api.telegram.org\"", "sendmail": "\"/usr/sbin/sendmail\"", "smtp_port": "25", "to": "[\"ops@example.com\"]", "from": "\"nodeguard@example.com\"", "command": "[\"/usr/local/bin/page-me\", \"--urgent\"]",
        "events": "[\"restart\", \"restart_limit\", \"node_down\"]", "exclude_events": "[\"log_pruned\"]",
        "nodes": "[\"dmo\"]", "exclude_nodes": "[\"testnet\"]", "ca_file": "\"/etc/nodeguard/my-ca.pem\"",
    ]

    static func notifySection() -> String {
        let defaults = NotifyTarget()
        let intro = "\n# " + wrapped(notifyIntro, width: 76).joined(separator: "\n# ") + "\n#\n# [[notify]]\n"
        return intro + Schema.notifyKeys.map { k in
            // A default of one kind only (sendmail, api_url) is in the help, not uncommentable for every kind.
            let value = k.value(in: defaults)
            let oneKind = k.key == "kind" || !NotifyKind.webhook.takes(k.key) || !NotifyKind.email.takes(k.key)
            guard oneKind, !value.isEmpty, value != "[]", !k.help.contains("Default") else {
                return commented(k.key, help: k.help, shown: oneKind ? "" : value, example: notifyExamples[k.key])
            }
            // Its default, said as nodeguard.toml(5) says it, with an example to uncomment.
            return commented(k.key, help: k.help + " Default: \(literal(value)).", shown: "", example: notifyExamples[k.key])
        }.joined()
    }

    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
