// A SIGHUP with a file the reader must refuse keeps the running config, and
// says why on one line: the daemon run as systemd runs it, stderr read back.
import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import NodeGuardKit

final class ReloadTests: XCTestCase {
    let head = Array("interval = \"1s\"\n[memory]\nfor_cycles = 3\n".utf8)

    var hostile: [(String, [UInt8], String)] {
        [
            ("oversized", head + Array(repeating: Array("# padding\n".utf8), count: 110_000).flatMap { $0 } + Array("[node]\nunit = \"x\"\n".utf8),
             ":1:1: the file is larger than 1 MiB, the most a config may be; nothing in it was used"),
            ("deep", head + Array("x = ".utf8) + Array(repeating: UInt8(ascii: "["), count: 50_000), ":4:68: nested deeper than 64 levels"),
            ("invalid UTF-8", head + Array("# caf".utf8) + [0xE9, 0x0A], ":4:6: invalid UTF-8 (byte \\xE9)"),
            ("escape sequence", head + Array("[node]\ngrace = \"\u{1B}[2J\"\n".utf8), ":5:10: control character `\\u001B` in a string"),
            ("key with a newline", head + Array("\"a\\nb\" = 1\n".utf8), ":4:1: unknown key `\"a\\nb\"`"),
            ("double sign", head + Array("[node]\nmax_restarts = --3\n".utf8), ":5:16: invalid number `--3`"),
        ]
    }

    func testHostileFilesOnReloadKeepTheRunningConfig() throws {
        try XCTSkipIf(FileIO.exists("/run/systemd/journal/socket"), "events go to journald here, not stderr; system-tests/nspawn covers it")
        let daemon = try binary("nodeguardd")
        let dir = tempDir()
        let path = writeConfig("interval = \"1s\"\nstatus_file = \"\(dir)/status.json\"\nstate_directory = \"\(dir)/state\"\n")
        let stderrPath = dir + "/stderr"
        XCTAssertTrue(FileManager.default.createFile(atPath: stderrPath, contents: nil))
        let sock = NotifySocket()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: daemon)
        p.arguments = ["--config", path]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = sock.path
        p.environment = env
        p.standardError = FileHandle(forWritingAtPath: stderrPath)
        try p.run()
        defer { if p.isRunning { p.terminate(); p.waitUntilExit() } }
        XCTAssertTrue(sock.read(for: 5) { $0.contains("READY=1") }.last?.1.contains("READY=1") == true)

        for (name, bytes, _) in hostile {
            let text = path + ".new"
            FileIO.writeAtomically(text, bytes, durable: false, mode: 0o644)
            rename(text, path)
            kill(p.processIdentifier, SIGHUP)
            let answer = sock.read(for: 5) { $0.contains("READY=1") }
            XCTAssertTrue(answer.last?.1.contains("READY=1") == true, "\(name): no READY after the reload")
            XCTAssertTrue(p.isRunning, "\(name): the daemon died")
        }
        let before = try XCTUnwrap(FileIO.readText(dir + "/status.json"))
        Thread.sleep(forTimeInterval: 2.2)
        XCTAssertNotEqual(FileIO.readText(dir + "/status.json"), before, "cycles go on at the old 1 s interval")

        let lines = (FileIO.readText(stderrPath) ?? "").split(separator: "\n").filter { $0.contains("new configuration rejected") }
        XCTAssertEqual(lines.count, hostile.count, "one line per refused reload")
        for ((name, _, expected), line) in zip(hostile, lines) {
            XCTAssertTrue(line.contains(path + expected), "\(name): \(line)")
            XCTAssertFalse(line.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "\(name): \(line.debugDescription)")
        }
    }

    func testAReadableLineIsOneLine() {
        let e = Event(.reloadRejected, "rejected: a\nb", fields: [("ERRORS", "x.toml:1:1: one\nx.toml:2:1: two\u{1B}[31m")])
        XCTAssertTrue(EventLog.readableLine(e, wall: 0).hasSuffix(" ERROR rejected: a\\nb [errors=x.toml:1:1: one\\nx.toml:2:1: two\\u001B[31m]"))
    }
}
