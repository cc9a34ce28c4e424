// Writes events to journald with structured fields, or to stderr as readable
// lines when no journald runs (a manual run in a terminal).
#if canImport(Glibc)
import Glibc
#endif
import TOML

public final class EventLog {
    public struct Destinations: Equatable, Sendable {
        public var journal: Bool
        public var stderr: Bool
        public init(journal: Bool, stderr: Bool) { self.journal = journal; self.stderr = stderr }
    }

    public let destinations: Destinations

    public init(_ destinations: Destinations? = nil) {
        self.destinations = destinations ?? EventLog.detect()
    }

    /// journald is detected by its socket. Under systemd ($JOURNAL_STREAM) stderr already
    /// goes to the journal and would log everything twice; in a terminal on a
    /// host with journald the person running it wants to see the lines too.
    public static func detect() -> Destinations {
        let journal = FileIO.exists("/run/systemd/journal/socket")
        let underSystemd = getenv("JOURNAL_STREAM") != nil
        return Destinations(journal: journal, stderr: !journal || (!underSystemd && isatty(2) == 1))
    }

    public func send(_ event: Event) {
        if destinations.journal { Self.sendToJournal(event) }
        if destinations.stderr {
            FileIO.writeAll(2, Self.readableLine(event) + "\n")
        }
    }

    public static func journalFields(_ e: Event) -> [(String, String)] {
        var f = [
            ("MESSAGE", e.message),
            ("PRIORITY", String(e.priority.rawValue)),
            ("SYSLOG_IDENTIFIER", "nodeguard"),
            ("MESSAGE_ID", e.kind.messageID),
            ("NODEGUARD_EVENT", e.kind.rawValue),
        ]
        for (k, v) in e.fields { f.append(("NODEGUARD_" + k, v)) }
        return f
    }

    static func sendToJournal(_ e: Event) {
        if let journal = SystemdSockets.journal { send(e, to: journal) }
    }

    static func send(_ e: Event, to journal: SystemdSockets.Sender) {
        let fields = journalFields(e)
        // Too large for one datagram (libsystemd would pass a memfd): each
        // value cut to 4 KiB rather than the event lost.
        if journal.send(SystemdSockets.journalDatagram(fields)) == EMSGSIZE {
            journal.send(SystemdSockets.journalDatagram(fields.map { k, v in
                (k, v.utf8.count > 4096 ? String(decoding: v.utf8.prefix(4096), as: UTF8.self) + " (cut to 4 KiB)" : v)
            }))
        }
    }

    /// "2026-11-22 14:03:07 WARNING node memory ... [check=node_memory value=...]",
    /// one line whatever the message and fields hold (a reload's list of errors).
    public static func readableLine(_ e: Event, wall: Double? = nil) -> String {
        var s = "\(TimeFormat.local(wall ?? e.time ?? Now.read().wall)) \(e.priority.label) \(Printable.escaped(e.message))"
        if !e.fields.isEmpty {
            s += " [" + e.fields.map { "\($0.0.lowercased())=\(Printable.escaped($0.1))" }.joined(separator: " ") + "]"
        }
        return s
    }
}
