// Sinks that keep what a cycle published, for tests to read.
import XCTest
@testable import NodeGuardKit

/// A sink that keeps the last cycle.
final class Collect: Sink {
    var events: [Event] = []
    var readings: [Reading] = []
    func publish(_ report: CycleReport) { events = report.events; readings = report.readings }
    func update(_ config: Config) {}
}

/// What the sinks were given: the tallies, cycle by cycle.
final class TallySink: Sink {
    var tallies: [Tally] = []
    func publish(_ report: CycleReport) { tallies += report.tallies }
    func update(_ config: Config) {}
}
