import XCTest
@testable import NodeGuardKit

/// The daemon's accepted configuration: the sender sends with it, and status
/// finds the daemon with it, whatever an unfinished edit left on disk.
final class AcceptedConfigTests: XCTestCase {
    func write(_ path: String, _ text: String) { XCTAssertEqual(FileIO.writeAtomically(path, text, durable: false, mode: 0o600), 0) }

    func config(_ dir: String, target: String) -> String {
        "state_directory = \"\(dir)/state\"\nstatus_file = \"\(dir)/status.json\"\n[[notify]]\nname = \"\(target)\"\nkind = \"webhook\"\nurl_file = \"/etc/nodeguard/hook.url\"\n"
    }

    /// Saved as the daemon saves it: the bytes it decoded.
    func accept(_ path: String) {
        guard case .success((.file(let c), let text)) = ConfigLoader.loadKeepingText(path: path, required: true) else { return XCTFail("not valid") }
        XCTAssertEqual(AcceptedConfig.save(text, from: path, stateDirectory: c.stateDirectory), 0)
    }

    func testTheSenderUsesWhatTheDaemonAcceptedWhateverIsOnDisk() throws {
        let dir = tempDir(), path = dir + "/nodeguard.toml"
        write(path, config(dir, target: "ops"))
        accept(path)
        // An edit not yet reloaded: valid, another target.
        write(path, config(dir, target: "elsewhere"))
        let running = try AcceptedConfig.load(path: path, required: true, prefer: .running).0.get()
        XCTAssertEqual(running.notify.map(\.name), ["ops"])
        XCTAssertEqual(try AcceptedConfig.load(path: path, required: true, prefer: .file).0.get().notify.map(\.name), ["elsewhere"])
        // An edit that is not valid: the sender still sends, status still finds the daemon, and says why.
        write(path, config(dir, target: "ops") + "interval = \"fast\"\n[memory]\nwarn_above = \"90%\"\nrestart_above = \"80%\"\n")
        XCTAssertEqual(try AcceptedConfig.load(path: path, required: true, prefer: .running).0.get().notify.map(\.name), ["ops"])
        let (forStatus, note) = AcceptedConfig.load(path: path, required: true, prefer: .file)
        XCTAssertEqual(try forStatus.get().statusFile, dir + "/status.json")
        XCTAssertTrue(note?.contains("has 2 errors") == true && note?.contains("accepted.toml") == true, note ?? "no note")
        // Not even TOML: the default state directory is looked in, and without a copy there the errors stand.
        write(path, "interval = \n")
        XCTAssertThrowsError(try AcceptedConfig.load(path: path, required: true, prefer: .file).0.get())
    }

    func testACopyFromAnotherFileIsNotUsed() throws {
        let dir = tempDir(), path = dir + "/nodeguard.toml", other = dir + "/other.toml"
        write(other, config(dir, target: "other"))
        accept(other)
        write(path, config(dir, target: "ops"))
        XCTAssertEqual(try AcceptedConfig.load(path: path, required: true, prefer: .running).0.get().notify.map(\.name), ["ops"])
    }

    func testTheEmbeddedDefaultsRemoveTheCopy() {
        let dir = tempDir(), path = dir + "/nodeguard.toml"
        write(path, config(dir, target: "ops"))
        accept(path)
        XCTAssertTrue(FileIO.exists(dir + "/state/accepted.toml"))
        XCTAssertEqual(AcceptedConfig.save(nil, from: path, stateDirectory: dir + "/state"), 0)
        XCTAssertFalse(FileIO.exists(dir + "/state/accepted.toml"))
    }
}
