import XCTest
@testable import NodeGuardKit
@testable import NodeGuardNotify

/// Each service's request against its documented shape; what a failure means.
final class NotifyFormatTests: XCTestCase {
    let message = OutboxMessage(target: "t", host: "vps1", created: 1_795_000_000, items: [
        NotifyItem(.event, NotifyPolicyTests.restart, time: 1_795_000_000),
        NotifyItem(.event, NotifyPolicyTests.diskCrit, time: 1_795_000_005),
    ])

    func target(_ kind: NotifyKind, _ edit: (inout NotifyTarget) -> Void = { _ in }) -> NotifyTarget {
        var t = NotifyTarget(name: "t", kind: kind)
        edit(&t)
        return t
    }

    func body(_ r: HTTPRequest?) throws -> JSON { try JSON.parse(String(decoding: XCTUnwrap(r).body, as: UTF8.self)) }

    func testNtfyTakesJSONAtItsRootWithTopicTitlePriorityAndTags() throws {
        let r = Formats.request(message, for: target(.ntfy), Secrets(url: "https://ntfy.example.com/alerts", token: "tk_abc"))
        XCTAssertEqual(r?.url, "https://ntfy.example.com/")
        XCTAssertEqual(r?.headers, ["Content-Type: application/json", "Authorization: Bearer tk_abc"])
        let j = try body(r)
        XCTAssertEqual(j["topic"]?.string, "alerts")
        XCTAssertEqual(j["title"]?.string, "nodeguard on vps1: 2 events")
        XCTAssertEqual(j["priority"]?.number, 5, "a critical line makes it urgent")
        XCTAssertEqual(j["tags"], .array([.string("rotating_light")]))
        XCTAssertEqual(j["message"]?.string?.split(separator: "\n").count, 2)
        XCTAssertNil(Formats.request(message, for: target(.ntfy), Secrets(url: "https://ntfy.sh/")), "no topic")
    }

    func testTelegramSendMessage() throws {
        let r = Formats.request(message, for: target(.telegram) { $0.chatID = "-100123" }, Secrets(token: "123:ABC"))
        XCTAssertEqual(r?.url, "https://api.telegram.org/bot123:ABC/sendMessage")
        let j = try body(r)
        XCTAssertEqual(j["chat_id"]?.number, -100123)
        XCTAssertTrue(j["text"]?.string?.hasPrefix("nodeguard on vps1: 2 events\n") ?? false)
        XCTAssertEqual(j["disable_web_page_preview"]?.bool, true)
        let channel = Formats.request(message, for: target(.telegram) { $0.chatID = "@ops" }, Secrets(token: "1:A"))
        XCTAssertEqual(try body(channel)["chat_id"]?.string, "@ops")
    }

    func testDiscordAndSlackIncomingWebhooks() throws {
        let d = try body(Formats.request(message, for: target(.discord), Secrets(url: "https://discord.com/api/webhooks/1/x")))
        XCTAssertEqual(d["username"]?.string, "nodeguard")
        XCTAssertLessThanOrEqual(d["content"]?.string?.count ?? 9999, 2000)
        let s = try body(Formats.request(message, for: target(.slack), Secrets(url: "https://hooks.slack.com/services/T/B/X")))
        XCTAssertTrue(s["text"]?.string?.contains("UTC CRIT: disk / 3% free") ?? false, s.serialized())
    }

    func testTheWebhookLeadsWithTheBatchsMostSevereEventAndListsItsKinds() throws {
        // A restart (warning) came first, a critical disk 5 s later: a receiver
        // routing on `event` sees the critical disk, with its own time.
        let j = try body(Formats.request(message, for: target(.webhook), Secrets(url: "https://example.com/hook")))
        XCTAssertEqual(j["priority"]?.string, "crit")
        XCTAssertEqual(j["event"]?.string, "critical")
        XCTAssertEqual(j["check"]?.string, "disk_free")
        XCTAssertEqual(j["host"]?.string, "vps1")
        XCTAssertEqual(j["MESSAGE_ID"]?.string, EventKind.critical.messageID)
        XCTAssertEqual(j["time"]?.string, "2026-11-18T11:06:45Z")
        XCTAssertEqual(j["kinds"], .array([.string("critical"), .string("restart")]))
        XCTAssertEqual(j["events"]?.array?.map { $0["check"] }, [.string("disk_free"), .null])
        XCTAssertEqual(j["events"]?.array?.map { $0["time"] }, [.string("2026-11-18T11:06:45Z"), .string("2026-11-18T11:06:40Z")])
        // A recovery never leads while a problem is in the batch.
        let mixed = OutboxMessage(target: "t", host: "vps1", created: 1_795_000_000, items: [
            NotifyItem(.recovery, NotifyPolicyTests.up, time: 1_795_000_000), NotifyItem(.event, NotifyPolicyTests.down, time: 1_795_000_001)])
        XCTAssertEqual(try body(Formats.request(mixed, for: target(.webhook), Secrets(url: "https://e/h")))["event"]?.string, "node_down")
    }

    func testTheMailForSendmail() {
        let mail = String(decoding: LocalTargets.mail(message, target(.email) { $0.to = ["ops@example.com", "b@example.com"]; $0.from = "ng@example.com" },
                                                      from: "root@example.org", domain: "example.org"), as: UTF8.self)
        let (head, body) = (mail.components(separatedBy: "\n\n")[0], mail.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n"))
        XCTAssertEqual(head.split(separator: "\n").first, "To: ops@example.com, b@example.com")
        XCTAssertTrue(head.contains("\nFrom: nodeguard <ng@example.com>\n"))
        XCTAssertTrue(head.contains("\nSubject: [nodeguard vps1] CRIT: 2 events, most severe: disk / 3% free"))
        XCTAssertTrue(head.contains("\nAuto-Submitted: auto-generated"))
        XCTAssertTrue(body.contains("CRIT: disk / 3% free"))
        XCTAssertTrue(head.contains("\nDate: \(LocalTargets.rfc5322Date(message.created))\n"))
        XCTAssertTrue(head.contains("\nMessage-ID: <nodeguard.\(Int64(message.created * 1000)).\(message.target)@example.org>\n"), head)
        // No From of the target's own: the one given (SMTP), or none (sendmail sets the MTA's).
        let bare = target(.email) { $0.to = ["root"] }
        XCTAssertTrue(String(decoding: LocalTargets.mail(message, bare, from: "root@example.org", domain: "example.org"), as: UTF8.self).contains("\nFrom: nodeguard <root@example.org>\n"))
        XCTAssertFalse(String(decoding: LocalTargets.mail(message, bare, domain: "example.org"), as: UTF8.self).contains("From:"))
        XCTAssertEqual(LocalTargets.headerText("dmo ×3"), "=?UTF-8?B?ZG1vIMOXMw==?=")
        XCTAssertEqual(LocalTargets.headerText("a\nBcc: x@y"), "a Bcc: x@y", "no header injection")
    }

    func testMailDatesAndWhatTheLocalMTASaid() {
        XCTAssertEqual(LocalTargets.rfc5322Date(1_795_459_800), "Mon, 23 Nov 2026 18:50:00 +0000")
        XCTAssertEqual(LocalTargets.rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000")
        XCTAssertEqual(SMTPSubmit.envelope("root"), "root@localhost")
        XCTAssertEqual(SMTPSubmit.envelope("ops@example.com"), "ops@example.com")
        let rows: [(Int32, Int, String, Delivery)] = [
            (0, 250, "", .delivered),
            (55, 550, "RCPT failed: 550", .refused("the MTA on 127.0.0.1:25 replied 550: RCPT failed: 550")),
            (56, 451, "", .retry("the MTA on 127.0.0.1:25 replied 451", after: nil)),
            (28, 0, "Operation timed out", .retry("the MTA on 127.0.0.1:25: Operation timed out", after: nil)),
        ]
        for (code, status, error, expected) in rows {
            XCTAssertEqual(SMTPSubmit.outcome(code: code, status: status, error: error, port: 25), expected, "\(code) \(status)")
        }
    }

    func testWhatAnOutcomeMeans() {
        let rows: [(Int32, Int, String, String, Delivery)] = [
            (0, 200, "", "", .delivered),
            (0, 204, "", "", .delivered),
            (0, 503, "busy", "", .retry("HTTP 503: busy", after: nil)),
            (0, 429, "{\"error\":\"slow down\"}", "7", .retry("HTTP 429 Too Many Requests: {\"error\":\"slow down\"}", after: 7)),
            (0, 400, "{\"ok\":false,\"description\":\"Bad Request: chat not found\"}", "", .refused("HTTP 400: {\"ok\":false,\"description\":\"Bad Request: chat not found\"}")),
            (0, 404, "", "", .refused("HTTP 404")),
            (28, 0, "", "", .retry("Operation timed out after 2001 milliseconds", after: nil)),
        ]
        for (code, status, reply, retryAfter, expected) in rows {
            let error = code == 28 ? "Operation timed out after 2001 milliseconds" : ""
            XCTAssertEqual(Delivery.of(code: code, error: error, status: status, body: reply, retryAfter: retryAfter, now: 0), expected)
        }
        XCTAssertEqual(Delivery.of(exitStatus: 75, detail: "x"), .retry("x", after: nil))
        XCTAssertEqual(Delivery.of(exitStatus: 67, detail: "x"), .refused("x"))
        XCTAssertEqual(RetryAfter.seconds("Wed, 21 Oct 2026 07:28:00 GMT", now: 1_792_567_680 - 30), 30)
        XCTAssertEqual([1, 2, 3, 7, 20].map { Backoff.delay(attempt: $0, retryAfter: nil) }, [10, 20, 40, 600, 600])
        XCTAssertEqual(Backoff.delay(attempt: 1, retryAfter: 120), 120)
    }

    func testATokenInTheURLNeverReachesTheLog() {
        let url = "https://api.telegram.org/bot123:SECRET/sendMessage"
        XCTAssertEqual(HTTPClient.redacted("Could not resolve host for \(url)", url), "Could not resolve host for (the target's URL)")
    }
}
