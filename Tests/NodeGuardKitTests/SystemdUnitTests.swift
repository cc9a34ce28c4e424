import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

/// The D-Bus calls to systemd never hold the caller: a bus that accepts the
/// connection and never answers costs the timeout (plus a second at most),
/// with the watchdog fed all along.
final class SystemdUnitTests: XCTestCase {
    /// A unix socket that listens and never accepts: the kernel completes the
    /// connect, nothing ever answers. DBUS_SYSTEM_BUS_ADDRESS points at it.
    func silentBus() -> (fd: Int32, restore: () -> Void) {
        let path = tempDir() + "/bus"
        let fd = boundUnixSocket(path, SOCK_STREAM)
        XCTAssertEqual(listen(fd, 8), 0)
        let old = getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) }
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + path, 1)
        return (fd, {
            if let old { setenv("DBUS_SYSTEM_BUS_ADDRESS", old, 1) } else { unsetenv("DBUS_SYSTEM_BUS_ADDRESS") }
            close(fd)
        })
    }

    func testASilentBusCostsTheTimeoutWithTheWatchdogFed() {
        let bus = silentBus()
        defer { bus.restore() }
        for call in ["restart", "job"] {   // stop is the same call as restart
            var fed = 0
            let t0 = Now.read().monotonic
            switch call {
            case "restart":
                let r = SystemdUnit.restart(unit: "node.service", timeout: 1, whileWaiting: { fed += 1 })
                XCTAssertFalse(r.succeeded)
                XCTAssertEqual(r.detail, "org.freedesktop.DBus.Error.Timeout: no reply from systemd within 1s")
            default:
                XCTAssertNil(SystemdUnit.jobPending("/org/freedesktop/systemd1/job/1", timeout: 1, whileWaiting: { fed += 1 }), "unknown, not finished")
            }
            let took = Now.read().monotonic - t0
            XCTAssertLessThanOrEqual(took, 2.5, "\(call) held the caller \(took) s (timeout 1 s)")
            XCTAssertGreaterThanOrEqual(fed, 5, "\(call): the watchdog was fed \(fed) times in \(took) s")
        }
    }
}
