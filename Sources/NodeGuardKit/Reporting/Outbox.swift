// The outbox: messages waiting to be sent, one file each, under
// state_directory/outbox. The daemon writes them (durably: they survive a
// kill -9 and a reboot); nodeguard-notify.service, started by systemd when
// the directory changes, sends them in order and removes them.
//
//   outbox/SEQ.TARGET.json   a message, due now; SEQ orders them (16 digits)
//   outbox/open/TARGET.json  a batch still collecting (moved in when it closes)
//   outbox/heartbeat.json    the next heartbeat ping
//   outbox/kick              touched to start the sender again (a retry is due)
//   notify/                  the sender's own state: retries, what it said
#if canImport(Glibc)
import Glibc
#endif

public struct OutboxMessage: Equatable, Sendable {
    public var target: String
    public var host: String
    /// Wall time the message was queued: give_up_after counts from here.
    public var created: Double
    public var items: [NotifyItem]

    public init(target: String, host: String, created: Double, items: [NotifyItem]) {
        self.target = target; self.host = host; self.created = created; self.items = items
    }

    public var json: JSON {
        .object([("target", .string(target)), ("host", .string(host)), ("created", .number(created)),
                 ("items", .array(items.map(Self.itemJSON)))])
    }

    static func itemJSON(_ i: NotifyItem) -> JSON {
        .object([("role", .string(i.role.rawValue)), ("kind", .string(i.event.kind.rawValue)),
                 ("priority", .number(Double(i.event.priority.rawValue))), ("message", .string(i.event.message)),
                 ("time", .number(i.time)), ("fields", .object(i.event.fields.map { ($0.0, .string($0.1)) }))])
    }

    static func parseItem(_ i: JSON) -> NotifyItem? {
        guard let role = i["role"]?.string.flatMap(NotifyItem.Role.init(rawValue:)),
              let kind = i["kind"]?.string.flatMap(EventKind.init(rawValue:)),
              let p = i["priority"]?.number.flatMap({ Priority(rawValue: Int($0)) }),
              let message = i["message"]?.string, let time = i["time"]?.number,
              case .object(let pairs)? = i["fields"] else { return nil }
        let fields = pairs.compactMap { k, v in v.string.map { (k, $0) } }
        return NotifyItem(role, Event(kind, message, priority: p, fields: fields), time: time)
    }

    public static func parse(_ text: String) -> OutboxMessage? {
        guard let j = try? JSON.parse(text), let target = j["target"]?.string, let host = j["host"]?.string,
              let created = j["created"]?.number, let list = j["items"]?.array else { return nil }
        var items: [NotifyItem] = []
        for i in list {
            guard let item = parseItem(i) else { return nil }
            items.append(item)
        }
        return OutboxMessage(target: target, host: host, created: created, items: items)
    }
}

/// The daemon's side of the outbox.
public struct Outbox {
    public let directory: String
    var nextSeq: UInt64 = 0

    public init(stateDirectory: String) {
        directory = stateDirectory + "/outbox"
    }

    public static func messageName(seq: UInt64, target: String) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + "." + target + ".json"
    }

    /// (seq, target) of a message file's name; nil for anything else.
    public static func parseName(_ name: String) -> (seq: UInt64, target: String)? {
        guard name.hasSuffix(".json"), name.count > 22 else { return nil }
        let parts = name.dropLast(5).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, parts[0].count == 16, let seq = UInt64(parts[0]) else { return nil }
        return (seq, String(parts[1]))
    }

    /// The queued messages, oldest first.
    public func queued() -> [(seq: UInt64, target: String, name: String)] {
        FileIO.list(directory).compactMap { n in Self.parseName(n).map { ($0.seq, $0.target, n) } }.sorted { $0.seq < $1.seq }
    }

    /// Makes the directories; the next number after any message already there.
    public mutating func prepare() -> Int32 {
        var rc = FileIO.makeDirectories(directory + "/open", mode: 0o700)
        if rc == EEXIST { rc = 0 }
        nextSeq = (queued().last?.seq ?? 0) + 1
        return rc
    }

    /// Queues a message (durable); 0 or the errno.
    public mutating func enqueue(_ m: OutboxMessage) -> Int32 {
        let path = directory + "/" + Self.messageName(seq: nextSeq, target: m.target)
        let rc = FileIO.writeAtomically(path, m.json.serialized() + "\n", durable: true, mode: 0o600)
        if rc == 0 { nextSeq += 1 }
        return rc
    }

    /// A batch still collecting, kept so that a kill -9 loses none of it.
    public func keepOpen(_ m: OutboxMessage) -> Int32 {
        FileIO.writeAtomically(openPath(m.target), m.json.serialized() + "\n", durable: true, mode: 0o600)
    }

    public func dropOpen(_ target: String) { unlink(openPath(target)) }

    func openPath(_ target: String) -> String { directory + "/open/" + target + ".json" }

    /// The batches still collecting, by target, for `notify queue`.
    public func openBatches() -> [OutboxMessage] {
        FileIO.list(directory + "/open").sorted().filter { $0.hasSuffix(".json") }
            .compactMap { FileIO.readText(directory + "/open/" + $0).flatMap(OutboxMessage.parse) }
    }

    /// Batches a previous run left open: queued as they are.
    public mutating func queueLeftOpen() -> [String] {
        var queued: [String] = []
        for name in FileIO.list(directory + "/open") where name.hasSuffix(".json") {
            let path = directory + "/open/" + name
            guard let text = FileIO.readText(path), let m = OutboxMessage.parse(text) else { unlink(path); continue }
            if enqueue(m) == 0 { unlink(path); queued.append(m.target) }
        }
        return queued
    }

    /// When the sender wants to run again (it left notify/next); nil: not said.
    public static func nextTry(stateDirectory: String) -> Double? {
        FileIO.readText(stateDirectory + "/notify/next").flatMap { Double($0.split(separator: "\n").first ?? "") }
    }

    /// Starts the sender (through the .path unit watching this directory).
    public func kick(now: Double) -> Int32 {
        FileIO.writeAtomically(directory + "/kick", "\(Int(now))\n", durable: false, mode: 0o600)
    }

    /// The next heartbeat ping: `failing` when a check is critical.
    public func heartbeat(now: Double, failing: Bool, every: Double) -> Int32 {
        let j = JSON.object([("time", .number(now)), ("failing", .bool(failing)), ("every", .number(every))])
        return FileIO.writeAtomically(directory + "/heartbeat.json", j.serialized() + "\n", durable: false, mode: 0o600)
    }
}
