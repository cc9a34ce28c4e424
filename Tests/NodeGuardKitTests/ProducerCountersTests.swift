// The producer groups' counters: every reason from 0, kept across restarts.
import XCTest
@testable import NodeGuardKit

final class ProducerCountersTests: XCTestCase {
    func testBlocksMissedAndSwitchesCountAndSurviveARestart() throws {
        let c0 = config(ProducerConfigTests.members.replacing("producer_api = \"http://127.0.0.1:8890/\"\n", with: "")
                        + "[producer.ourbp]\nnodes = [\"producer\", \"failover\"]")
        var counters = Counters()
        XCTAssertTrue(counters.add([.blocksMissed(account: "ourbp", count: 12), .producerSwitch(account: "ourbp", reason: "turn_missed"), .blocksMissed(account: "ourbp", count: 3)]))
        let again = Counters(parsing: counters.serialized)
        XCTAssertEqual(again, counters, "read back as written")
        let families = again.families(c0).filter { $0.name.hasPrefix("nodeguard_producer_") }
        XCTAssertEqual(families.map(\.name), ["nodeguard_producer_blocks_missed_total", "nodeguard_producer_switches_total"])
        let text = Exposition.render(families)
        XCTAssertTrue(text.contains("nodeguard_producer_blocks_missed_total{account=\"ourbp\"} 15\n"), text)
        XCTAssertTrue(text.contains("nodeguard_producer_switches_total{account=\"ourbp\",reason=\"turn_missed\"} 1\n"), text)
        for r in Counters.switchReasons where r != "turn_missed" {
            XCTAssertTrue(text.contains("nodeguard_producer_switches_total{account=\"ourbp\",reason=\"\(r)\"} 0\n"), "\(r) from 0")
        }
        XCTAssertTrue(Counters().families(config("")).allSatisfy { !$0.name.hasPrefix("nodeguard_producer_") }, "no group: no producer series")
    }
}
