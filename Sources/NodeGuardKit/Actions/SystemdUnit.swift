// Restarts or stops a systemd unit through systemd's D-Bus API
// (Manager.RestartUnit / StopUnit), the calls `systemctl restart` and
// `systemctl stop` make. The reply is the queued job. Every call waits for
// its reply asynchronously, feeding the watchdog: systemd usually answers at
// once, but not always (a busy manager, a bus daemon that is restarting),
// and the check loop must never be held past the watchdog.
#if canImport(Glibc)
import Glibc
#endif
import CNodeGuard

public struct ActionOutcome: Equatable, Sendable {
    public var succeeded: Bool
    /// "job /org/freedesktop/systemd1/job/123 queued", or the error.
    public var detail: String
    /// A command's exit status, when it exited.
    public var exitStatus: Int32? = nil
}

public enum SystemdUnit {
    public static func restart(unit: String, timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        manager("RestartUnit", unit: unit, timeout: timeout, whileWaiting: whileWaiting)
    }

    public static func stop(unit: String, timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        manager("StopUnit", unit: unit, timeout: timeout, whileWaiting: whileWaiting)
    }

    /// Sends SIGKILL to every process of the unit (Manager.KillUnit, "all"),
    /// as `systemctl kill -s KILL` does: a stop that outlasts stop_timeout.
    public static func kill(unit: String, timeout: Double, whileWaiting: () -> Void = {}) -> ActionOutcome {
        let r = BusCall.run(path: "/org/freedesktop/systemd1", interface: "org.freedesktop.systemd1.Manager", member: "KillUnit",
                            args: [unit, "all"], ints: [SIGKILL], timeout: timeout, whileWaiting: whileWaiting) { _, _ in "SIGKILL sent to every process of \(unit)" }
        switch r {
        case .success(let detail): return ActionOutcome(succeeded: true, detail: detail)
        case .failure(let f): return ActionOutcome(succeeded: false, detail: f.description)
        }
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
                            args: ["org.freedesktop.systemd1.Job", "State"], timeout: timeout, whileWaiting: whileWaiting) { _, _ in true }
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
                            args: [unit, "replace"], timeout: timeout, whileWaiting: whileWaiting) { lib, reply -> String in
            var path: UnsafePointer<CChar>? = nil
            guard lib.message_read_basic(reply, CChar(UInt8(ascii: "o")), &path) >= 0, let path else { return "job queued" }
            return "job \(String(cString: path)) queued"
        }
        switch r {
        case .success(let detail): return ActionOutcome(succeeded: true, detail: detail)
        case .failure(let f): return ActionOutcome(succeeded: false, detail: f.description)
        }
    }
}

/// libsystemd's D-Bus client, loaded at the first call and kept.
enum LibSystemd {
    static let loaded: Result<ng_libsystemd, BusCall.Failure> = {
        var lib = ng_libsystemd()
        var error = [UInt8](repeating: 0, count: 256)
        let rc = error.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { ng_libsystemd_load(&lib, $0, b.count) }
        }
        guard rc == 0 else {
            let text = String(decoding: error.prefix { $0 != 0 }, as: UTF8.self)
            return .failure(.noBus("cannot load libsystemd (apt install libsystemd0): " + text))
        }
        return .success(lib)
    }()
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

    /// `args` are strings, then `ints` 32-bit integers, in the method's order.
    static func run<T>(path: String, interface: String, member: String, args: [String], ints: [Int32] = [], timeout: Double,
                       whileWaiting: () -> Void, read: (ng_libsystemd, UnsafeMutableRawPointer) -> T) -> Result<T, Failure> {
        let lib: ng_libsystemd
        switch LibSystemd.loaded { case .success(let l): lib = l; case .failure(let f): return .failure(f) }
        var bus: UnsafeMutableRawPointer? = nil
        let r = lib.bus_open_system(&bus)
        guard r >= 0, let bus else { return .failure(.noBus("cannot connect to the system bus: \(FileIO.errorText(-r)); is systemd running?")) }
        // Not a flushing close: flushing waits for a bus that never answers (90 s).
        defer { _ = lib.bus_close_unref(bus) }
        var msg: UnsafeMutableRawPointer? = nil
        var rc = lib.message_new_method_call(bus, &msg, "org.freedesktop.systemd1", path, interface, member)
        guard rc >= 0, let msg else { return .failure(.build("cannot build the D-Bus call: \(FileIO.errorText(-rc))")) }
        defer { _ = lib.message_unref(msg) }
        for arg in args {
            rc = arg.withCString { lib.message_append_basic(msg, CChar(UInt8(ascii: "s")), $0) }
            guard rc >= 0 else { return .failure(.build("cannot build the D-Bus call: \(FileIO.errorText(-rc))")) }
        }
        for var i in ints {
            rc = lib.message_append_basic(msg, CChar(UInt8(ascii: "i")), &i)
            guard rc >= 0 else { return .failure(.build("cannot build the D-Bus call: \(FileIO.errorText(-rc))")) }
        }
        let reply: UnsafeMutableRawPointer
        switch awaitReply(lib, bus, msg, timeout: timeout, whileWaiting: whileWaiting) {
        case .success(let r): reply = r
        case .failure(let f): return .failure(f)
        }
        defer { _ = lib.message_unref(reply) }
        if lib.message_is_method_error(reply, nil) != 0, let e = lib.message_get_error(reply) {
            return .failure(.error(name: e.pointee.name.map { String(cString: $0) } ?? "error",
                                   text: e.pointee.message.map { String(cString: $0) } ?? "(no message)"))
        }
        return .success(read(lib, reply))
    }

    /// Where the callback leaves the reply. A C function pointer cannot
    /// capture, so the box travels as userdata and carries message_ref.
    final class Box {
        let ref: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?
        var reply: UnsafeMutableRawPointer?
        init(_ ref: @escaping @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?) { self.ref = ref }
    }

    /// Sends the call and processes the bus until its reply (or sd-bus's own
    /// timeout error) is there, at most a second past the timeout.
    private static func awaitReply(_ lib: ng_libsystemd, _ bus: UnsafeMutableRawPointer, _ msg: UnsafeMutableRawPointer,
                                   timeout: Double, whileWaiting: () -> Void) -> Result<UnsafeMutableRawPointer, Failure> {
        let box = Box(lib.message_ref)
        let handler: ng_bus_handler = { m, userdata, _ in
            let b = Unmanaged<Box>.fromOpaque(userdata!).takeUnretainedValue()
            b.reply = b.ref(m)
            return 0
        }
        var slot: UnsafeMutableRawPointer? = nil
        let rc = lib.call_async(bus, &slot, msg, handler, Unmanaged.passUnretained(box).toOpaque(), UInt64(timeout * 1e6))
        guard rc >= 0 else { return .failure(.noBus("cannot send the D-Bus call: \(FileIO.errorText(-rc))")) }
        defer { _ = lib.slot_unref(slot) }
        let deadline = Now.read().monotonic + timeout + 1
        return withExtendedLifetime(box) {
            while box.reply == nil {
                let r = lib.process(bus, nil)
                if r < 0 || Now.read().monotonic >= deadline { break }
                if r > 0 { continue }   // something was processed: maybe more is ready
                whileWaiting()
                _ = lib.wait(bus, 100_000)
            }
            guard let reply = box.reply else {
                return .failure(.error(name: "org.freedesktop.DBus.Error.Timeout", text: "no reply from systemd within \(TimeSpan.format(timeout))"))
            }
            return .success(reply)
        }
    }
}
