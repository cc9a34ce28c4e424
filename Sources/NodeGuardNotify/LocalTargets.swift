// The targets on this host: a mail to the MTA (SMTP on loopback, else its
// sendmail), a command. Pure builders, I/O in deliver().
#if canImport(Glibc)
import Glibc
#endif
import NodeGuardKit

public enum LocalTargets {
    public static func deliver(_ m: OutboxMessage, to t: NotifyTarget) -> Delivery {
        switch t.kind {
        case .email:
            let domain = SMTPSubmit.mailName(host: m.host)
            if t.smtpPort > 0 {
                let from = t.from.isEmpty ? "root@" + domain : t.from
                if let d = SMTPSubmit.send(mail(m, t, from: from, domain: domain), from: from, to: t.to, port: t.smtpPort,
                                           timeout: Swift.max(t.timeout, 60)) { return d }
            }
            guard FileIO.exists(t.sendmail) else {
                let none = t.smtpPort > 0 ? "no MTA listens on 127.0.0.1:\(t.smtpPort) and " : ""
                return .refused(none + "\(t.sendmail) does not exist: install an MTA (apt install exim4-daemon-light, or msmtp-mta to relay through your mail provider)")
            }
            // -odi: an MTA that delivers itself does so before it returns; in
            // the background it would be killed with the oneshot sender's
            // cgroup. Others ignore it. A minute at least: a sendmail killed
            // on its deadline may have taken the mail already.
            let r = CommandRunner.run([t.sendmail, "-t", "-oi", "-odi"], timeout: Swift.max(t.timeout, 60), input: mail(m, t, domain: domain))
            return Delivery.of(exitStatus: r.exitStatus, detail: r.detail)
        case .command:
            let r = CommandRunner.run(t.command, timeout: t.timeout, input: Array((Formats.webhookJSON(m).serialized() + "\n").utf8),
                                      environment: environment(m))
            return Delivery.of(exitStatus: r.exitStatus, detail: r.detail)
        default:
            return .refused("\(t.kind.rawValue) is not a local target")
        }
    }

    /// An RFC 5322 message (for `sendmail -t`, recipients from To:). `from`:
    /// the From address when the target sets none (sendmail leaves it to the
    /// MTA). The Message-ID stays the same on every try of one message.
    public static func mail(_ m: OutboxMessage, _ t: NotifyTarget, from: String? = nil, domain: String) -> [UInt8] {
        let lead = Formats.ordered(m).first?.event.message ?? ""
        let subject = "[nodeguard \(m.host)] \(Formats.priority(m).label): " + (m.items.count > 1 ? "\(m.items.count) events, most severe: " : "") + lead
        var head = ["To: " + t.to.joined(separator: ", ")]
        if let f = t.from.isEmpty ? from : t.from { head.append("From: nodeguard <\(f)>") }
        let tag = String(m.target.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "_" })
        head += [
            "Date: " + rfc5322Date(m.created),
            "Message-ID: <nodeguard.\(Int64(m.created * 1000)).\(tag)@\(domain)>",
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
        return "=?UTF-8?B?" + Base64.encode(Array(flat.utf8)) + "?="
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

extension LocalTargets {
    /// "Mon, 23 Nov 2026 18:50:00 +0000".
    static func rfc5322Date(_ t: Double) -> String {
        var seconds = time_t(t), tm = Glibc.tm()
        gmtime_r(&seconds, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) \(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) +0000"
    }
}
