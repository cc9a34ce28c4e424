// Restarts or stops a systemd unit through systemd's D-Bus API
// (Manager.RestartUnit / StopUnit), the calls `systemctl restart` and
// `systemctl stop` make. The reply is the queued job. Every call waits for
// its reply asynchronously, feeding the watchdog: systemd usually answers at
// once, but not always (a busy manager, a bus daemon that is restarting),
// and the check loop must never be held past the watchdog.
#if canImport(Glibc)
import Glibc
#endif
import CSystemd

public struct ActionOutcome: Equatable, Sendable {
    public var succeeded: Bool
    /// "job /org/freedesktop/systemd1/job/123 queued", or the error.
    public var detail: String
}

public enum SystemdUnit {
    public static func restart(unit: String, timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        manager("RestartUnit", unit: unit, timeout: timeout, whileWaiting: whileWaiting)
    }

    public static func stop(unit: String, timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        manager("StopUnit", unit: unit, timeout: timeout, whileWaiting: whileWaiting)
    }

    /// The job path in a queued outcome: "job /org/freedesktop/systemd1/job/123 queued".
    static func jobPath(_ outcome: ActionOutcome) -> String? {
        let parts = outcome.detail.split(separator: " ")
        return parts.count == 3 && parts[0] == "job" && parts[1].hasPrefix("/") ? String(parts[1]) : nil
    }

    /// Whether systemd still has the job (a restart in progress); false once
    /// it finished, whatever its result; nil when systemd cannot be asked.
    public static func jobPending(_ path: String, timeout: Double = 5, whileWaiting: () -> Void = {}) -> Bool? {
        let r = BusCall.run(path: path, interface: "org.freedesktop.DBus.Properties", member: "Get",
                            args: ["org.freedesktop.systemd1.Job", "State"], timeout: timeout, whileWaiting: whileWaiting) { _ in true }
        switch r {
        case .success: return true
        // A finished job's object is gone: UnknownObject (or UnknownMethod on older systemd).
        case .failure(.error(let name, _)):
            return name.hasSuffix("UnknownObject") || name.hasSuffix("UnknownMethod") || name.hasSuffix("UnknownInterface") ? false : nil
        case .failure: return nil
        }
    }

    static func manager(_ method: String, unit: String, timeout: Double, whileWaiting: () -> Void) -> ActionOutcome {
        let r = BusCall.run(path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager", member: method,
                            args: [unit, "replace"], timeout: timeout, whileWaiting: whileWaiting) { reply -> String in
            var path: UnsafePointer<CChar>? = nil
            guard sd_bus_message_read_basic(reply, Int8(UInt8(ascii: "o")), &path) >= 0, let path else { return "job queued" }
            return "job \(String(cString: path)) queued"
        }
        switch r {
        case .success(let detail): return ActionOutcome(succeeded: true, detail: detail)
        case .failure(let f): return ActionOutcome(succeeded: false, detail: f.description)
        }
    }
}

/// One method call to systemd over the system bus, its reply awaited in
/// steps of 0.1 s with `whileWaiting` between them.
enum BusCall {
    enum Failure: Error, CustomStringConvertible {
        case noBus(String), build(String), error(name: String, text: String)
        var description: String {
            switch self {
            case .noBus(let m), .build(let m): return m
            case .error(let name, let text): return "\(name): \(text)"
            }
        }
    }

    /// Where the callback leaves the reply.
    final class Pending { var reply: OpaquePointer? }

    static func run<T>(path: String, interface: String, member: String, args: [String], timeout: Double,
                       whileWaiting: () -> Void, read: (OpaquePointer) -> T) -> Result<T, Failure> {
        var bus: OpaquePointer? = nil
        let r = sd_bus_open_system(&bus)
        guard r >= 0, let bus else { return .failure(.noBus("cannot connect to the system bus: \(FileIO.errorText(-r)); is systemd running?")) }
        // Not sd_bus_flush_close_unref: flushing waits for a bus that never answers (90 s).
        defer { sd_bus_close_unref(bus) }
        var msg: OpaquePointer? = nil
        var rc = sd_bus_message_new_method_call(bus, &msg, "org.freedesktop.systemd1", path, interface, member)
        guard rc >= 0, let msg else { return .failure(.build("cannot build the D-Bus call: \(FileIO.errorText(-rc))")) }
        defer { sd_bus_message_unref(msg) }
        for arg in args {
            rc = arg.withCString { sd_bus_message_append_basic(msg, Int8(UInt8(ascii: "s")), $0) }
            guard rc >= 0 else { return .failure(.build("cannot build the D-Bus call: \(FileIO.errorText(-rc))")) }
        }
        let pending = Pending()
        guard let reply = awaitReply(bus, msg, pending, timeout: timeout, whileWaiting: whileWaiting) else {
            return .failure(.error(name: "org.freedesktop.DBus.Error.Timeout", text: "no reply from systemd within \(Duration.format(timeout))"))
        }
        defer { sd_bus_message_unref(reply) }
        if sd_bus_message_is_method_error(reply, nil) != 0, let e = sd_bus_message_get_error(reply) {
            return .failure(.error(name: e.pointee.name.map { String(cString: $0) } ?? "error",
                                   text: e.pointee.message.map { String(cString: $0) } ?? "(no message)"))
        }
        return .success(read(reply))
    }

    /// Sends the call and processes the bus until its reply (or sd-bus's own
    /// timeout error) is there; nil if neither came a second past the timeout.
    private static func awaitReply(_ bus: OpaquePointer, _ msg: OpaquePointer, _ pending: Pending, timeout: Double,
                              whileWaiting: () -> Void) -> OpaquePointer? {
        let handler: sd_bus_message_handler_t = { m, userdata, _ in
            Unmanaged<Pending>.fromOpaque(userdata!).takeUnretainedValue().reply = sd_bus_message_ref(m)
            return 0
        }
        var slot: OpaquePointer? = nil
        let box = Unmanaged.passUnretained(pending).toOpaque()
        guard sd_bus_call_async(bus, &slot, msg, handler, box, UInt64(timeout * 1e6)) >= 0 else { return nil }
        defer { sd_bus_slot_unref(slot) }
        let deadline = Now.read().monotonic + timeout + 1
        return withExtendedLifetime(pending) {
            while pending.reply == nil {
                let r = sd_bus_process(bus, nil)
                if r < 0 { break }
                if r > 0 { continue }
                if Now.read().monotonic >= deadline { break }
                whileWaiting()
                _ = sd_bus_wait(bus, 100_000)
            }
            return pending.reply
        }
    }
}
