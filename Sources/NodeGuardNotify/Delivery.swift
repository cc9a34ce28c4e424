// What an attempt's outcome means for the message: delivered, try again
// later (network, 429, 5xx), or refused (4xx: the config is wrong, retrying
// will not help). Pure.
import NodeGuardKit

public enum Delivery: Equatable, Sendable {
    case delivered
    /// `after`: the server's Retry-After, in seconds, when it gave one.
    case retry(String, after: Double?)
    case refused(String)

    /// From an HTTP exchange: libcurl's code and words, the status, the reply.
    public static func of(code: Int32, error: String, status: Int, body: String, retryAfter: String, now: Double) -> Delivery {
        guard code == 0 else { return .retry(error.isEmpty ? "transfer failed (curl \(code))" : error, after: nil) }
        let said = serverWords(body)
        switch status {
        case 200..<300: return .delivered
        case 429: return .retry("HTTP 429 Too Many Requests\(said)", after: RetryAfter.seconds(retryAfter, now: now))
        case 500..<600: return .retry("HTTP \(status)\(said)", after: RetryAfter.seconds(retryAfter, now: now))
        case 400..<500: return .refused("HTTP \(status)\(said)")
        default: return .retry("HTTP \(status)\(said)", after: nil)
        }
    }

    /// A sendmail or command target: 0 delivered, 75 (EX_TEMPFAIL) or a
    /// timeout retried, any other status refused.
    public static func of(exitStatus: Int32?, detail: String) -> Delivery {
        switch exitStatus {
        case 0?: return .delivered
        case 75?, nil: return .retry(detail, after: nil)
        default: return .refused(detail)
        }
    }

    /// The reply on one line, at most 300 characters: what the server said was wrong.
    static func serverWords(_ body: String) -> String {
        let line = body.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ").trimmingCharacters()
        guard !line.isEmpty else { return "" }
        return ": " + (line.count > 300 ? String(line.prefix(300)) + "…" : line)
    }
}

/// When to try a message again: 10 s, doubling, at most 10 min; a server's Retry-After is honoured.
public enum Backoff {
    public static func delay(attempt: Int, retryAfter: Double?) -> Double {
        let base = min(600, 10 * Double(1 << min(max(attempt - 1, 0), 10)))
        guard let r = retryAfter else { return base }
        return min(max(r, 1), 6 * 3600)
    }
}

public enum RetryAfter {
    /// Seconds from now: "120", or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT").
    public static func seconds(_ header: String, now: Double) -> Double? {
        let h = header.trimmingCharacters()
        if let s = Double(h), s >= 0 { return s }
        let parts = h.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])),
              let year = Int(parts[3]) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        let at = Double(daysFromCivil(year, month + 1, day)) * 86400 + Double(hms[0] * 3600 + hms[1] * 60 + hms[2])
        return max(0, at - now)
    }

    /// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
