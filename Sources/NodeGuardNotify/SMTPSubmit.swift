// Email to the MTA on this host by SMTP on 127.0.0.1 (libcurl's smtp://, no
// TLS or login on loopback). exim4 and postfix listen there by default and
// deliver from their own daemon, with their own privileges; exim's sendmail
// could not from the sender's sandbox (it re-executes itself setuid root to
// deliver, and no_new_privs keeps it the exim user: the mail would wait for
// the next queue run). Nothing listening: the caller falls back to sendmail.
#if canImport(Glibc)
import Glibc
#endif
import CCurl
import NodeGuardKit

enum SMTPSubmit {
    static let couldNotConnect: Int32 = 7   // CURLE_COULDNT_CONNECT

    /// nil when no MTA listens on the port (use sendmail instead).
    static func send(_ message: [UInt8], from: String, to: [String], port: Int, timeout: Double) -> Delivery? {
        guard HTTPClient.load() == nil else { return nil }
        var result = ng_http_result()
        CInput.with(to.map(envelope), message) { rcpts, text in
            ng_smtp_send("smtp://127.0.0.1:\(port)", "<\(envelope(from))>", rcpts, text, message.count, Int(timeout * 1000), &result)
        }
        defer { ng_http_free(&result) }
        if result.code == couldNotConnect { return nil }
        return outcome(code: result.code, status: Int(result.status), error: CInput.text(result.error), port: port)
    }

    /// 250 after the data: delivered (the MTA has it). A 5xx reply: refused
    /// (an unknown recipient, a relay denied); anything else is tried again.
    static func outcome(code: Int32, status: Int, error: String, port: Int) -> Delivery {
        if code == 0 { return .delivered }
        let what = "the MTA on 127.0.0.1:\(port)" + (status > 0 ? " replied \(status)" : "") + (error.isEmpty ? "" : ": \(error)")
        return (500..<600).contains(status) ? .refused(what) : .retry(what, after: nil)
    }

    /// A bare local user is qualified as user@localhost: an MTA refuses an
    /// unqualified address from SMTP, where its sendmail would qualify it.
    static func envelope(_ address: String) -> String {
        address.contains("@") ? address : address + "@localhost"
    }

    /// The mail domain: /etc/mailname, as Debian's MTAs take it, else the host name.
    static func mailName(host: String) -> String {
        let name = FileIO.readText("/etc/mailname", limit: 256).map { $0.split(separator: "\n").first.map(String.init) ?? "" } ?? ""
        let trimmed = name.trimmingCharacters()
        return trimmed.isEmpty ? host : trimmed
    }
}
