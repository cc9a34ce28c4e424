// Whether a producer group's member could take over, on a table.
import XCTest
@testable import NodeGuardKit

final class MemberHealthTests: XCTestCase {
    func testWhetherAMemberCouldTakeOver() {
        let now = 1_800_000_000.0
        func head(_ block: UInt64, age: Double) -> Result<ProducerAPI.Head, ProbeError> {
            .success(ProducerAPI.Head(block: block, time: now - age, producer: "ourbp", irreversible: block - 325))
        }
        let rows: [(why: String, process: MemberState.Process, head: Result<ProducerAPI.Head, ProbeError>?, previous: UInt64?, problem: String?)] = [
            ("synced and moving", .running, head(1000, age: 0.5), 998, nil),
            ("first answer", .running, head(1000, age: 0.5), nil, nil),
            ("gone", .gone, nil, nil, "its process is not running"),
            ("Docker cannot tell", .unknown, head(1000, age: 0.5), 998, "whether it runs cannot be read"),
            ("not asked yet", .running, nil, nil, "its chain API was not asked yet"),
            ("API down", .running, .failure(ProbeError("connection refused")), 998, "its chain API does not answer: connection refused"),
            ("lagging", .running, head(1000, age: 42), 998, "its head block 1000 is 42s behind the clock (max_lag 5s)"),
            ("stuck", .running, head(1000, age: 1), 1000, "its head has not advanced from block 1000"),
        ]
        for r in rows {
            XCTAssertEqual(MemberHealth.problem(process: r.process, head: r.head, previousBlock: r.previous, now: now, maxLag: 5), r.problem, r.why)
        }
    }
}
