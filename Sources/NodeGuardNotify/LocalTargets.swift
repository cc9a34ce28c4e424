// The targets on this host: a mail through sendmail, a command. Each gets
// the message as bytes on stdin; pure builders, I/O in deliver().
import NodeGuardKit

public enum LocalTargets {
    public static func deliver(_ m: OutboxMessage, to t: NotifyTarget) -> Delivery {
        switch t.kind {
        case .email:
            guard FileIO.exists(t.sendmail) else {
                return .refused("\(t.sendmail) does not exist: install an MTA (apt install exim4-daemon-light, or msmtp-mta to relay through your mail provider)")
            }
            // -odi: an MTA that delivers itself (exim) does so before it returns;
            // in the background it would be killed with the oneshot sender's
            // cgroup and the mail would wait for the next queue run. Others
            // ignore it. A minute at least: a killed sendmail may have taken it.
            let r = CommandRunner.run([t.sendmail, "-t", "-oi", "-odi"], timeout: Swift.max(t.timeout, 60), input: mail(m, t))
            return Delivery.of(exitStatus: r.exitStatus, detail: r.detail)
        case .command:
            let r = CommandRunner.run(t.command, timeout: t.timeout, input: Array((Formats.webhookJSON(m).serialized() + "\n").utf8),
                                      environment: environment(m))
            return Delivery.of(exitStatus: r.exitStatus, detail: r.detail)
        default:
            return .refused("\(t.kind.rawValue) is not a local target")
        }
    }

    /// An RFC 5322 message for `sendmail -t`: recipients from To:.
    public static func mail(_ m: OutboxMessage, _ t: NotifyTarget) -> [UInt8] {
        let first = m.items.first?.event.message ?? ""
        let subject = "[nodeguard \(m.host)] \(Formats.priority(m).label): " + (m.items.count > 1 ? "\(m.items.count) events, first: " : "") + first
        var head = ["To: " + t.to.joined(separator: ", ")]
        if !t.from.isEmpty { head.append("From: nodeguard <\(t.from)>") }
        head += [
            "Subject: " + headerText(String(subject.prefix(150))),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "Auto-Submitted: auto-generated",
            "X-Nodeguard-Host: " + headerText(m.host),
        ]
        let body = Formats.lines(m).joined(separator: "\n")
            + "\n\n-- \nnodeguard on \(m.host); every event is in the journal: journalctl -u nodeguard\n"
        return Array((head.joined(separator: "\n") + "\n\n" + body).utf8)
    }

    /// ASCII as it is; anything else as an RFC 2047 encoded word; never a line break.
    static func headerText(_ s: String) -> String {
        let flat = String(s.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        guard flat.unicodeScalars.contains(where: { !$0.isASCII }) else { return flat }
        return "=?UTF-8?B?" + base64(Array(flat.utf8)) + "?="
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(table[Int(v >> 18 & 63)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(n > 1 ? table[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? table[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// NODEGUARD_* for a command: the message, and the first event's fields.
    public static func environment(_ m: OutboxMessage) -> [String] {
        var env = ["NODEGUARD_MESSAGE=" + Formats.lines(m).joined(separator: "\n"), "NODEGUARD_HOST=" + m.host,
                   "NODEGUARD_PRIORITY=" + Formats.priority(m).configName, "NODEGUARD_COUNT=\(m.items.count)"]
        if let e = m.items.first?.event {
            env += ["NODEGUARD_EVENT=" + e.kind.rawValue, "MESSAGE_ID=" + e.kind.messageID]
            env += e.fields.map { "NODEGUARD_\($0.0)=\($0.1)" }
        }
        return env
    }
}
