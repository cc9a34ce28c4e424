import XCTest
@testable import NodeGuardKit

final class UnitsTests: XCTestCase {
    func testCountsAreWrittenAsAPersonWritesThem() {
        XCTAssertEqual(counted(1, "restart"), "1 restart")
        XCTAssertEqual(counted(0, "restart"), "0 restarts")
        XCTAssertEqual(counted(2, "time"), "2 times")
        XCTAssertEqual(counted(1, "entry", plural: "entries"), "1 entry")
    }

    func testSizes() throws {
        let ok: [(String, UInt64)] = [
            ("0B", 0), ("512B", 512), ("1kB", 1000), ("1KB", 1000), ("500MB", 500_000_000), ("2TB", 2_000_000_000_000),
            ("1KiB", 1024), ("1.5MiB", 1_572_864), ("1.2GiB", 1_288_490_189), ("1TiB", 1_099_511_627_776), (" 12 MiB ", 12 << 20),
        ]
        for (text, bytes) in ok { XCTAssertEqual(try Size.parse(text), bytes, text) }
        let bad: [(String, String)] = [
            ("100", "has no unit"), ("1.2gb", "unknown size unit `gb`"), ("1.2gb", "did you mean `GB`?"),
            ("12 bananas", "unknown size unit"), ("MiB", "is not a size"), ("-1MiB", "out of range"),
        ]
        for (text, fragment) in bad {
            XCTAssertThrowsError(try Size.parse(text)) { XCTAssertTrue(($0 as! UnitError).message.contains(fragment), "\(text): \($0)") }
        }
    }

    func testShares() throws {
        XCTAssertEqual(try Share.parse("80%"), 0.8, accuracy: 1e-9)
        XCTAssertEqual(try Share.parse("7.5%"), 0.075, accuracy: 1e-9)
        XCTAssertEqual(try Share.parse("0%"), 0)
        for (text, fragment) in [("80", "has no unit"), ("120%", "out of range"), ("0.8", "has no unit"), ("80pc", "unknown unit")] {
            XCTAssertThrowsError(try Share.parse(text)) { XCTAssertTrue(($0 as! UnitError).message.contains(fragment), "\(text): \($0)") }
        }
    }

    func testDurations() throws {
        let ok: [(String, Double)] = [("30s", 30), ("10m", 600), ("6h", 21600), ("7d", 604800), ("1.5h", 5400), ("500ms", 0.5), ("1m30s", 90), ("1h 30m", 5400)]
        for (text, s) in ok { XCTAssertEqual(try TimeSpan.parse(text), s, accuracy: 1e-9, text) }
        for (text, fragment) in [("30", "has no unit"), ("3 weeks", "unknown duration unit `weeks`"), ("s", "is not a duration"), ("", "empty")] {
            XCTAssertThrowsError(try TimeSpan.parse(text)) { XCTAssertTrue(($0 as! UnitError).message.contains(fragment), "\(text): \($0)") }
        }
    }

    func testFormattingRoundTrips() throws {
        for s in [1.0, 59, 90, 600, 3600, 5400, 86400, 90000] {
            XCTAssertEqual(try TimeSpan.parse(TimeSpan.format(s).replacingSpaces()), s, accuracy: 1, "\(s)")
        }
        // Just under a second is a second, never "1000ms".
        for (s, text) in [(0.9996, "1s"), (0.9994, "999ms"), (0.25, "250ms"), (1.4, "1s")] { XCTAssertEqual(TimeSpan.format(s), text, "\(s)") }
        XCTAssertEqual(Size.format(812 << 20), "812 MiB")
        XCTAssertEqual(Size.format(1_288_490_189), "1.2 GiB")
        XCTAssertEqual(Size.format(1000), "1000 B")
        XCTAssertEqual(Share.format(0.41), "41%")
        XCTAssertEqual(Share.format(0.075), "7.5%")
    }
}
