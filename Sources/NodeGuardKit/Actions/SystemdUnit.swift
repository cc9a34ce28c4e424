// Restarts or stops a systemd unit through systemd's D-Bus API
// (Manager.RestartUnit / StopUnit), the calls `systemctl restart` and
// `systemctl stop` make. The reply is the queued job.
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
    public static func restart(unit: String, timeout: Double) -> ActionOutcome {
        call("RestartUnit", unit: unit, timeout: timeout)
    }

    public static func stop(unit: String, timeout: Double) -> ActionOutcome {
        call("StopUnit", unit: unit, timeout: timeout)
    }

    /// The job path in a queued outcome: "job /org/freedesktop/systemd1/job/123 queued".
    static func jobPath(_ outcome: ActionOutcome) -> String? {
        let parts = outcome.detail.split(separator: " ")
        return parts.count == 3 && parts[0] == "job" && parts[1].hasPrefix("/") ? String(parts[1]) : nil
    }

    /// Whether systemd still has the job (a restart in progress); false once
    /// it finished, whatever its result; nil when systemd cannot be asked.
    public static func jobPending(_ path: String) -> Bool? {
        var bus: OpaquePointer? = nil
        guard sd_bus_open_system(&bus) >= 0, let bus else { return nil }
        defer { sd_bus_flush_close_unref(bus) }
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
        defer { sd_bus_error_free(&error) }
        var state: UnsafeMutablePointer<CChar>? = nil
        let rc = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path, "org.freedesktop.systemd1.Job", "State", &error, &state)
        if let state { free(state) }
        if rc >= 0 { return true }
        // A finished job's object is gone: UnknownObject (or UnknownMethod on older systemd).
        let name = error.name.map { String(cString: $0) } ?? ""
        return name.hasSuffix("UnknownObject") || name.hasSuffix("UnknownMethod") || name.hasSuffix("UnknownInterface") ? false : nil
    }

    static func call(_ method: String, unit: String, timeout: Double) -> ActionOutcome {
        var bus: OpaquePointer? = nil
        let r = sd_bus_open_system(&bus)
        guard r >= 0, let bus else {
            return ActionOutcome(succeeded: false, detail: "cannot connect to the system bus: \(FileIO.errorText(-r)); is systemd running?")
        }
        defer { sd_bus_flush_close_unref(bus) }

        var msg: OpaquePointer? = nil
        var rc = sd_bus_message_new_method_call(bus, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                                "org.freedesktop.systemd1.Manager", method)
        guard rc >= 0, let msg else { return ActionOutcome(succeeded: false, detail: "cannot build the D-Bus call: \(FileIO.errorText(-rc))") }
        defer { sd_bus_message_unref(msg) }
        for arg in [unit, "replace"] {
            rc = arg.withCString { sd_bus_message_append_basic(msg, Int8(UInt8(ascii: "s")), $0) }
            guard rc >= 0 else { return ActionOutcome(succeeded: false, detail: "cannot build the D-Bus call: \(FileIO.errorText(-rc))") }
        }
        // SD_BUS_ERROR_NULL is a macro Swift cannot import: zero it by hand.
        var error = sd_bus_error(name: nil, message: nil, _need_free: 0)
        defer { sd_bus_error_free(&error) }
        var reply: OpaquePointer? = nil
        rc = sd_bus_call(bus, msg, UInt64(timeout * 1e6), &error, &reply)
        defer { if let reply { sd_bus_message_unref(reply) } }
        guard rc >= 0 else {
            let name = error.name.map { String(cString: $0) } ?? "errno"
            let text = error.message.map { String(cString: $0) } ?? FileIO.errorText(-rc)
            return ActionOutcome(succeeded: false, detail: "\(name): \(text)")
        }
        var path: UnsafePointer<CChar>? = nil
        if let reply, sd_bus_message_read_basic(reply, Int8(UInt8(ascii: "o")), &path) >= 0, let path {
            return ActionOutcome(succeeded: true, detail: "job \(String(cString: path)) queued")
        }
        return ActionOutcome(succeeded: true, detail: "job queued")
    }
}
