import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

/// [[notify]] and [heartbeat]: what each kind needs, secrets only from files
/// (or a file only root reads), one line per problem where it was written.
final class NotifyConfigTests: XCTestCase {
    func testTargetsWithDefaultsAndNames() throws {
        let c = try decode("""
            [node.dmo]
            unit = "dmo"
            [[notify]]
            kind = "ntfy"
            url_file = "/etc/nodeguard/ntfy.url"
            [[notify]]
            kind = "telegram"
            token_file = "/etc/nodeguard/tg.token"
            chat_id = 12345
            min_priority = "crit"
            nodes = ["dmo"]
            [[notify]]
            kind = "ntfy"
            url_file = "/etc/nodeguard/ntfy2.url"
            events = ["restart", "node_down"]
            batch = "0s"
            [[notify]]
            kind = "email"
            to = ["ops@example.org", "ops@localhost", "root"]
            """).get()
        XCTAssertEqual(c.notify.map(\.name), ["ntfy", "telegram", "ntfy-2", "email"])
        XCTAssertEqual(c.notify[3].to, ["ops@example.org", "ops@localhost", "root"])   // local mailboxes, through this host's MTA
        XCTAssertEqual(c.notify[0].url, .file("/etc/nodeguard/ntfy.url"))
        XCTAssertEqual([c.notify[0].repeatAfter, c.notify[0].batch, c.notify[0].giveUpAfter], [21600, 30, 86400])
        XCTAssertEqual(c.notify[0].minPriority, .warning)
        XCTAssertEqual(c.notify[1].chatID, "12345")
        XCTAssertEqual(c.notify[1].minPriority, .crit)
        XCTAssertEqual(c.notify[2].events, ["restart", "node_down"])
        XCTAssertEqual(c.notify[2].batch, 0)
    }

    func testEachProblemIsOneLineWhereItIs() {
        let rows: [(String, String)] = [
            ("[[notify]]\nurl_file = \"/u\"", "t.toml:1:1: [[notify]] needs a kind: \"webhook\", \"ntfy\", \"telegram\", \"discord\", \"slack\", \"email\", \"command\""),
            ("[[notify]]\nkind = \"pushover\"", "t.toml:2:8: notify.kind: `pushover` is not a kind; write one of \"webhook\", \"ntfy\", \"telegram\", \"discord\", \"slack\", \"email\", \"command\""),
            ("[[notify]]\nkind = \"discord\"", "t.toml:1:1: [[notify]] kind \"discord\" needs url_file, a file that holds its URL (or url, in a config only root can read)"),
            ("[[notify]]\nkind = \"slack\"\nurl = \"https://hooks.slack.com/services/T/B/X\"", "t.toml:3:7: notify (slack): this config file can be read by users other than root, and a URL is a secret; put it in a file named by url_file (mode 0600), or `chmod 600` this file and `chown root` it"),
            ("[[notify]]\nkind = \"telegram\"\ntoken_file = \"/t\"", "t.toml:1:1: [[notify]] kind \"telegram\" needs chat_id, the chat the bot writes to"),
            ("[[notify]]\nkind = \"email\"\nto = [\"ops at example\"]", "t.toml:3:6: notify.to: `ops at example` is not a mail address such as \"ops@example.com\""),
            ("[[notify]]\nkind = \"email\"\nto = [\"ops@\"]", "t.toml:3:6: notify.to: `ops@` is not a mail address such as \"ops@example.com\""),
            ("[[notify]]\nkind = \"email\"\nto = [\"a@b@c\"]", "t.toml:3:6: notify.to: `a@b@c` is not a mail address such as \"ops@example.com\""),
            ("[[notify]]\nkind = \"command\"\ncommand = [\"page-me\"]", "t.toml:3:11: notify.command: the command `page-me` must be an absolute path, as in \"/usr/bin/page-me\""),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nchat_id = \"1\"", "t.toml:4:11: notify (webhook): `chat_id` is not a key of a webhook target"),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nevents = [\"restrat\"]", "t.toml:4:10: notify.events: `restrat` is not an event kind, did you mean \"restart\"?"),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nnodes = [\"dmo\"]", "t.toml:4:9: notify.nodes names `dmo`, which is no node; no node is configured"),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nmin_priority = \"high\"", "t.toml:4:16: notify.min_priority: `high` is not a priority; write one of \"crit\", \"err\", \"warning\", \"notice\" or \"info\""),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nrepeat_after = \"1m\"", "t.toml:4:16: notify.repeat_after: repeat_after must be \"0s\" (never) or at least 10m"),
            ("[[notify]]\nkind = \"webhook\"\nurl_file = \"/u\"\nbatsh = \"1m\"", "t.toml:4:1: unknown key `batsh` in [notify], did you mean `batch`?"),
            ("[notify]\nkind = \"webhook\"", "t.toml:1:1: `notify` is an array of tables: write each target as [[notify]] with its keys on the lines below it"),
            ("[heartbeat]\nfail_url_file = \"/f\"", "t.toml:2:17: [heartbeat] fail_url needs url_file too, a file that holds the URL pinged while all is well"),
            ("[heartbeat]\nurl = \"https://hc-ping.com/x\"", "t.toml:2:7: heartbeat.url: this config file can be read by users other than root, and a ping URL is a secret; put it in a file named by url_file (mode 0600), or `chmod 600` this file and `chown root` it"),
        ]
        for (toml, line) in rows {
            XCTAssertEqual(decode(toml).failure?.lines, [line], toml)
        }
    }

    func testAnInlineSecretIsTakenOnlyFromAFileRootAloneReadsAndNeverShown() throws {
        let toml = "[[notify]]\nkind = \"telegram\"\ntoken = \"123:SECRET\"\nchat_id = \"9\"\n[heartbeat]\nurl = \"https://hc-ping.com/SECRETUUID\""
        let c = try ConfigLoader.decode(toml, path: "t.toml", privateFile: true).get()
        XCTAssertEqual(c.notify[0].token, .inline("123:SECRET"))
        XCTAssertTrue(c.heartbeat.enabled)
        let shown = Schema.notifyKeys.map { $0.value(in: c.notify[0]) } + Schema.keys.map { $0.value(in: c) }
        XCTAssertFalse(shown.joined().contains("SECRET"), "neither the reload diff nor config show print a secret")
        var changed = c
        changed.notify[0].token = .inline("456:OTHERSECRET")
        XCTAssertEqual(Schema.changes(from: c, to: changed), ["notify.telegram.token (inline) -> (inline)"])
    }

    func testSecretFilesAreReadWithoutTheirNewline() throws {
        let dir = tempDir()
        let path = dir + "/url"
        XCTAssertEqual(FileIO.writeAtomically(path, "https://ntfy.sh/t\n", durable: false, mode: 0o600), 0)
        XCTAssertEqual(Secret.file(path).read(), .success("https://ntfy.sh/t"))
        XCTAssertEqual(Secret.file(dir + "/missing").read(), .failure(SecretError(message: "cannot read \(dir)/missing: No such file or directory")))
    }

    func testTheReferenceConfigAndTheManualShowTheTargetKeys() throws {
        XCTAssertNoThrow(try decode(ReferenceConfig.text()).get())
        XCTAssertTrue(ReferenceConfig.text().contains("# [[notify]]\n"))
        XCTAssertTrue(ReferenceConfig.manPage(date: "2026-11-23").contains(".SH \"[[NOTIFY]]\""))
    }
}
