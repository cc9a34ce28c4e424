import XCTest
@testable import NodeGuardKit
@testable import NodeGuardCLI

final class ReportingTests: XCTestCase {
    /// The daemon's file, written from its cache, reads back as the view
    /// that was written, cycle after cycle, whatever changed.
    func testStatusFileFromItsCacheReadsBackAsTheView() throws {
        let cache = StatusFileCache()
        var v = StatusView()
        v.checks = [CheckView(check: "node_memory", target: "dmo.service", value: "812 MiB", warn: "> 1 GiB", state: .ok, node: "dmo"),
                    CheckView(check: "host_memory", target: "host", value: "1.1 GiB available", state: .ok)]
        v.actions = [ActionRecord(wall: 1000, action: "restart", target: "dmo", outcome: "ok")]
        for step in 0..<4 {
            v.updated = 5000 + Double(step)
            if step == 2 { v.checks[0].value = "830 MiB"; v.checks[0].state = .warning }
            if step == 3 { v.actions.append(ActionRecord(wall: 1003, action: "truncate log", target: "x", outcome: "1 MiB freed")) }
            let back = try XCTUnwrap(StatusView(json: try JSON.parse(String(decoding: v.fileBytes(cache: cache), as: UTF8.self))))
            XCTAssertEqual(back, v, "step \(step)")
        }
        let file = try JSON.parse(String(decoding: v.fileBytes(cache: cache), as: UTF8.self))
        XCTAssertNil(file["updated_text"], "the CLI derives the texts")
        XCTAssertNil(file["nodes"])
        XCTAssertEqual(file["state"]?.string, "warning")
    }

    func sampleView() -> StatusView {
        var v = StatusView()
        v.updated = 1_700_000_000
        v.pid = 42
        v.interval = 10
        v.summary = "node 812 MiB/1.2 GiB, host 640 MiB available, / 41% free"
        v.checks = [
            CheckView(check: "node_memory", target: "dmo.service", value: "812 MiB", warn: "> 1 GiB", critical: "> 1.2 GiB for 3m", state: .ok, projection: "+10 MiB/h, restart_above in ~40h"),
            CheckView(check: "disk_free", target: "/", value: "2 GiB free (4%)", state: .critical, note: "quote \" and\nnewline"),
        ]
        v.actions = [ActionRecord(wall: 1_699_999_000, action: "restart", target: "dmo.service", outcome: "job /org/freedesktop/systemd1/job/7 queued")]
        return v
    }

    func testStatusJSONRoundTrip() throws {
        let v = sampleView()
        let text = v.json().serialized()
        let back = StatusView(json: try JSON.parse(text))
        XCTAssertEqual(back, v)
        let pretty = StatusView(json: try JSON.parse(v.json().serialized(pretty: true)))
        XCTAssertEqual(pretty, v)
        XCTAssertEqual(try JSON.parse(text)["state"]?.string, "critical")
        // What the daemon streams each cycle is the same document.
        let streamed = try JSON.parse(String(decoding: v.jsonBytes(), as: UTF8.self))
        XCTAssertEqual(streamed, try JSON.parse(text))
    }

    func testExitCodes() {
        var v = sampleView()
        XCTAssertEqual(v.exitCode, 2)
        v.checks[1].state = .warning
        XCTAssertEqual(v.exitCode, 1)
        v.checks[1].state = .error
        XCTAssertEqual(v.exitCode, 1)
        v.checks[1].state = .ok
        XCTAssertEqual(v.exitCode, 0)
    }

    func testHumanViewShowsChecksProjectionsAndActions() {
        let text = sampleView().text(now: 1_700_000_005, isDaemon: true)
        XCTAssertTrue(text.contains("nodeguard (pid 42)"))
        XCTAssertTrue(text.contains("(5s ago), every 10s"))
        XCTAssertTrue(text.contains("state: critical"))
        XCTAssertTrue(text.contains("node_memory  dmo.service  812 MiB"))
        XCTAssertTrue(text.contains("+10 MiB/h, restart_above in ~40h"))
        XCTAssertTrue(text.contains("restart dmo.service: job /org/freedesktop/systemd1/job/7 queued"))
        let header = text.split(separator: "\n").first { $0.hasPrefix("CHECK") }!
        XCTAssertEqual(header, "CHECK        TARGET       VALUE            WARN     CRITICAL          STATE     PROJECTION")
    }

    func testJSONParserEdges() throws {
        XCTAssertEqual(try JSON.parse(" {\"a\": [1, -2.5e3, true, null, \"\\u00e9\\n\"]} "),
                       .object([("a", .array([.number(1), .number(-2500), .bool(true), .null, .string("é\n")]))]))
        XCTAssertThrowsError(try JSON.parse("{\"a\": 1"))
        XCTAssertThrowsError(try JSON.parse("[1,]x"))
        XCTAssertEqual(JSON.string("tab\there\u{1}").serialized(), "\"tab\\there\\u0001\"")
    }

    func testNumbersAreWrittenExactly() {
        let cases: [(Double, String)] = [(0, "0"), (-0.0, "0"), (7, "7"), (-42, "-42"), (1_000_000, "1000000"),
                                         (999_999_999_999_999, "999999999999999"), (1e15, "1000000000000000.0"), (1.5, "1.5"),
                                         (-2500, "-2500"), (1_795_322_082.25, "1795322082.25"), (.nan, "null"), (.infinity, "null")]
        for (n, text) in cases { XCTAssertEqual(JSON.number(n).serialized(), text, "\(n)") }
    }

    /// The streamed status with nothing in its lists, and with several:
    /// commas only between members, at every depth.
    func testStreamedStatusSeparatesMembersAtEveryDepth() throws {
        var v = sampleView()
        v.checks = []; v.actions = []
        let empty = String(decoding: v.jsonBytes(), as: UTF8.self)
        XCTAssertTrue(empty.hasSuffix(",\"checks\":[],\"nodes\":{},\"actions\":[]}\n"), empty)
        XCTAssertEqual(try JSON.parse(empty), try JSON.parse(v.json().serialized()))
        v = sampleView()
        v.actions += v.actions
        let full = String(decoding: v.jsonBytes(), as: UTF8.self)
        XCTAssertTrue(full.contains("\"note\":\"\"},{\"check\":\"disk_free\""), full)
        XCTAssertTrue(full.contains(" queued\"},{\"time\":1699999000,"), full)
        XCTAssertEqual(StatusView(json: try JSON.parse(full)), v)
    }

    func testJournalFields() {
        let e = Event(.restart, "restarting dmo.service", fields: [("CHECK", "node_memory"), ("VALUE", "123"), ("THRESHOLD", "100"), ("ACTION", "restart"), ("TARGET", "dmo.service")])
        XCTAssertEqual(EventLog.journalFields(e).map { $0.0 + "=" + $0.1 }, [
            "MESSAGE=restarting dmo.service", "PRIORITY=5", "SYSLOG_IDENTIFIER=nodeguard",
            "MESSAGE_ID=50ac5179c11e4f589dfed22f8847be19", "NODEGUARD_EVENT=restart",
            "NODEGUARD_CHECK=node_memory", "NODEGUARD_VALUE=123", "NODEGUARD_THRESHOLD=100",
            "NODEGUARD_ACTION=restart", "NODEGUARD_TARGET=dmo.service",
        ])
        XCTAssertTrue(EventLog.readableLine(e, wall: 0).hasSuffix(" NOTICE restarting dmo.service [check=node_memory value=123 threshold=100 action=restart target=dmo.service]"))
    }

    /// journald's native protocol: KEY=value lines; a value with a newline as
    /// KEY, a newline, its 64-bit little-endian length, the value, a newline.
    func testJournalDatagram() {
        XCTAssertEqual(SystemdSockets.journalDatagram([("MESSAGE", "one line"), ("PRIORITY", "5")]), Array("MESSAGE=one line\nPRIORITY=5\n".utf8))
        XCTAssertEqual(SystemdSockets.journalDatagram([("NODEGUARD_CHANGES", "a\nbé")]),
                       Array("NODEGUARD_CHANGES\n".utf8) + [5, 0, 0, 0, 0, 0, 0, 0] + Array("a\nbé\n".utf8))
    }

    /// An event too large for one datagram still arrives, its long values cut.
    func testAnEventTooLargeForADatagramArrivesCut() throws {
        let path = tempDir() + "/journal.socket"
        let fd = boundUnixSocket(path, SOCK_DGRAM)
        defer { close(fd) }
        let sender = try XCTUnwrap(SystemdSockets.Sender(path: path))
        let big = String(repeating: "x", count: 400_000)
        XCTAssertEqual(sender.send(Array(big.utf8)), EMSGSIZE, "the premise: this is over the datagram limit")
        EventLog.send(Event(.reloadRejected, "rejected", fields: [("ERRORS", big)]), to: sender)
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
        let got = String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        XCTAssertTrue(got.hasPrefix("MESSAGE=rejected\n"), got.prefix(80).description)
        XCTAssertTrue(got.contains("NODEGUARD_ERRORS=" + String(repeating: "x", count: 4096) + " (cut to 4 KiB)\n"))
    }

    /// The shipped files are generated from the code; they must not drift.
    func testPackagedConfigAndCatalogAreCurrent() {
        let top = fixture("").replacingOccurrences(of: "/Tests/Fixtures/", with: "")
        XCTAssertEqual(FileIO.readText(top + "/packaging/nodeguard.toml"), ReferenceConfig.text(),
                       "run: nodeguard config defaults > packaging/nodeguard.toml")
        XCTAssertEqual(FileIO.readText(top + "/packaging/nodeguard.catalog"), Event.catalogText(),
                       "run: nodeguard catalog > packaging/nodeguard.catalog")
        XCTAssertEqual(FileIO.readText(top + "/packaging/man/nodeguard.toml.5"), ReferenceConfig.manPage(date: NodeGuardVersion.date),
                       "run: nodeguard config man > packaging/man/nodeguard.toml.5")
        // The hand-written nodeguard(8) and the Debian changelog carry the same version.
        let page = FileIO.readText(top + "/packaging/man/nodeguard.8") ?? ""
        XCTAssertTrue(page.hasPrefix(".TH NODEGUARD 8 \"\(NodeGuardVersion.date)\" \"nodeguard \(NodeGuardVersion.string)\""), "update the .TH line of packaging/man/nodeguard.8")
        let changelog = FileIO.readText(top + "/packaging/debian/changelog") ?? ""
        XCTAssertTrue(changelog.hasPrefix("nodeguard (\(NodeGuardVersion.string)) "), "add an entry to packaging/debian/changelog for \(NodeGuardVersion.string)")
    }

    /// nodeguard.toml(5): every key is documented, and its EXAMPLE is a valid config.
    func testConfigManPage() throws {
        let page = ReferenceConfig.manPage(date: "2026-01-01")
        for k in Schema.keys {
            XCTAssertTrue(page.contains(".TP\n.B \(ReferenceConfig.roff(k.key))\n"), "\(k.dottedName) is not in nodeguard.toml(5)")
        }
        for k in Schema.nodeKeys {
            XCTAssertTrue(page.contains(".TP\n.B \(ReferenceConfig.roff(k.key))\n"), "node key \(k.key) is not in nodeguard.toml(5)")
        }
        let example = try XCTUnwrap(page.components(separatedBy: ".SH EXAMPLE\n").last?.components(separatedBy: ".RS\n").dropFirst().first?
            .components(separatedBy: ".RE\n").first)
        let toml = example.replacingOccurrences(of: "\\(dq", with: "\"").replacingOccurrences(of: "\\-", with: "-")
        guard case .success(let c) = ConfigLoader.decode(toml, path: "example") else { return XCTFail("the EXAMPLE does not parse:\n\(toml)") }
        XCTAssertEqual(c.nodes.map(\.name), ["dmo", "bridge"])
        XCTAssertEqual(c.nodes.first?.unit, "dmo-node.service")
        XCTAssertEqual(c.bandwidth.billingDay, 5)
        // roff: no line may start with a control character by accident.
        XCTAssertEqual(ReferenceConfig.roff(".x-y `z`"), "\\&.x\\-y \\fBz\\fR")
    }

    func testMessageIDsAreUniqueAnd128Bit() {
        let ids = EventKind.allCases.map(\.messageID)
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids { XCTAssertEqual(id.count, 32); XCTAssertTrue(id.allSatisfy(\.isHexDigit), id) }
        let catalog = Event.catalogText()
        for k in EventKind.allCases { XCTAssertTrue(catalog.contains("-- \(k.messageID)\nSubject: "), k.rawValue) }
    }
}

final class ActionTests: XCTestCase {
    func testCommandOutcomes() {
        let ok = CommandRunner.run(["/bin/sh", "-c", "echo restarted"], timeout: 5)
        XCTAssertEqual(ok, ActionOutcome(succeeded: true, detail: "/bin/sh exited with status 0: restarted", exitStatus: 0))
        let bad = CommandRunner.run(["/bin/sh", "-c", "echo no such container >&2; exit 3"], timeout: 5)
        XCTAssertEqual(bad, ActionOutcome(succeeded: false, detail: "/bin/sh exited with status 3: no such container", exitStatus: 3))
        let missing = CommandRunner.run(["/nonexistent/restart"], timeout: 5)
        XCTAssertFalse(missing.succeeded)
        XCTAssertTrue(missing.detail.contains("/nonexistent/restart"), missing.detail)
    }

    func testCommandTimeoutKillsItsChildrenToo() {
        let start = Now.read().monotonic
        var waits = 0
        let r = CommandRunner.run(["/bin/sh", "-c", "sleep 30 & sleep 30"], timeout: 0.5, whileWaiting: { waits += 1 })
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(r.detail, "/bin/sh killed after the 500ms timeout")
        XCTAssertLessThan(Now.read().monotonic - start, 5)
        XCTAssertGreaterThan(waits, 0, "the caller could feed its watchdog")
    }

    func testNoShellInterpretation() {
        let r = CommandRunner.run(["/bin/echo", "$(id)", ";", "rm -rf /"], timeout: 5)
        XCTAssertEqual(r.detail, "/bin/echo exited with status 0: $(id) ; rm -rf /")
    }

    func testUnitRestartWithoutASystemBusFailsCleanly() throws {
        try XCTSkipIf(FileIO.exists("/run/dbus/system_bus_socket"), "a system bus runs here; the nspawn system test covers RestartUnit")
        let r = SystemdUnit.restart(unit: "nothing.service", timeout: 2)
        XCTAssertFalse(r.succeeded)
        XCTAssertTrue(r.detail.hasPrefix("cannot connect to the system bus"), r.detail)
    }
}

final class FixedNumberTests: XCTestCase {
    func testFixedDecimalsReadBackAsTheRoundedValue() throws {
        let table: [(Double, Int, String)] = [
            (1795392407.3977642, 3, "1795392407.398"), (2.5, 3, "2.5"), (2.0, 3, "2"), (0.05, 1, "0.1"),
            (-1.25, 2, "-1.25"), (-0.5, 1, "-0.5"), (412.34, 1, "412.3"), (0.0004, 3, "0"), (12, 0, "12"),
        ]
        for (v, d, text) in table {
            var w = JSONObjectWriter()
            w.number("n", v, decimals: d)
            let out = String(decoding: w.finish(), as: UTF8.self)
            XCTAssertEqual(out, "{\"n\":\(text)}\n", "\(v) with \(d) decimals")
            XCTAssertEqual(try JSON.parse(out)["n"]?.number ?? .nan, (v * pow(10, Double(d))).rounded() / pow(10, Double(d)), accuracy: 1e-9)
        }
    }
}
