// nodeos's producer API and the chain calls a producer group makes, read
// from replies in the plugins' documented shapes (Tests/Fixtures/producer-replies).
import XCTest
@testable import NodeGuardKit

final class ProducerAPITests: XCTestCase {
    func reply(_ name: String) throws -> HTTPResponse { try recordedReply("producer-replies/\(name).http") }

    func testPauseAndResumeAreDoneOnlyOnTheNodesOK() throws {
        let rows: [(file: String, error: String?)] = [
            ("pause-ok", nil), ("resume-ok", nil),
            ("pause-bad-body", "HTTP 400: invalid http request"),
            ("producer-api-missing", "HTTP 404: Unknown Endpoint"),
            ("paused-true", "HTTP 201 without {\"result\":\"ok\"}: true"),
            ("get-info", "HTTP 200 without {\"result\":\"ok\"}: {\"server_version\":\"d8e3f9c1\",\"chain_id\":\"aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906\",\"head_block_n"),   // the first 120 characters
        ]
        for r in rows {
            switch ProducerAPI.acknowledged(try reply(r.file)) {
            case .success: XCTAssertNil(r.error, r.file)
            case .failure(let e): XCTAssertEqual(e.message, r.error, r.file)
            }
        }
    }

    func testPausedIsABareTrueOrFalse() throws {
        let rows: [(file: String, paused: Bool?, error: String?)] = [
            ("paused-true", true, nil), ("paused-false", false, nil),
            ("pause-ok", nil, "HTTP 201, not true or false: {\"result\":\"ok\"}"),
            ("producer-api-missing", nil, "HTTP 404: Unknown Endpoint"),
        ]
        for r in rows {
            switch ProducerAPI.paused(try reply(r.file)) {
            case .success(let p): XCTAssertEqual(p, r.paused, r.file); XCTAssertNil(r.error, r.file)
            case .failure(let e): XCTAssertNil(r.paused, r.file); XCTAssertEqual(e.message, r.error, r.file)
            }
        }
    }

    func testTheActiveScheduleInItsOrder() throws {
        XCTAssertEqual(try ProducerAPI.schedule(try reply("get-producer-schedule")).get(), ProducerSchedule(["bpalpha", "ourbp", "bpgamma"]))
        guard case .failure(let e) = ProducerAPI.schedule(try reply("paused-true")) else { return XCTFail("true is no schedule") }
        XCTAssertEqual(e.message, "HTTP 201, no active.producers in the reply")
    }

    func testTheHeadFromGetInfo() throws {
        let head = try ProducerAPI.head(try reply("get-info")).get()
        XCTAssertEqual(head, ProducerAPI.Head(block: 312_345_678, time: try XCTUnwrap(CivilTime.parseUTC("2026-11-23T02:20:00.500")),
                                              producer: "ourbp", irreversible: 312_345_343,
                                              id: "129e0d4e5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e"))
        XCTAssertEqual(head.time, 1_795_400_400.5)
        guard case .failure(let e) = ProducerAPI.head(try reply("pause-bad-body")) else { return XCTFail("an error is no head") }
        XCTAssertEqual(e.message, "HTTP 400: invalid http request")
    }
}
