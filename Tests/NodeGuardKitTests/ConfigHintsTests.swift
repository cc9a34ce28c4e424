// A hint in an error is a value the key takes: each `such as "X"` that a
// key's reader offers for a wrong value is fed back to the same key.
import XCTest
import TOML
@testable import NodeGuardKit

final class ConfigHintsTests: XCTestCase {
    /// The values people write by mistake: bare numbers in and out of every range, and unit-less strings.
    let wrong = ["150", "0", "-5", "100000000", "7", "\"150\"", "\"-5\"", "\"1h30\"", "\"100000000\"", "\"12 parsecs\""]

    func node(_ value: String) throws -> TOMLNode {
        let table = try TOMLParser.parse("x = \(value)")
        return try XCTUnwrap(table.entries.first?.node)
    }

    func hints(_ message: String) -> [String] {
        message.components(separatedBy: "such as \"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
            + message.components(separatedBy: "as in \"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
    }

    func testEveryHintIsAValueTheKeyTakes() throws {
        var offered = 0
        let readers: [(String, (TOMLNode) throws(UnitError) -> Void)] =
            Schema.keys.map { k in (k.dottedName, { n throws(UnitError) in var c = Config(); try k.read(&c, n) }) }
            + Schema.nodeKeys.map { k in ("node.NAME." + k.key, { n throws(UnitError) in var c = NodeConfig(); try k.read(&c, n) }) }
        for (name, read) in readers {
            for value in wrong {
                let message: String, parsed = try node(value)
                do throws(UnitError) { try read(parsed); continue } catch { message = error.message }
                for hint in hints(message) where !hint.contains("/") && !hint.hasPrefix("[") {
                    offered += 1
                    let again = try node("\"\(hint)\"")
                    do throws(UnitError) { try read(again) } catch {
                        XCTFail("\(name) = \(value): the hint \"\(hint)\" is refused: \(error.message)\n(from: \(message))")
                    }
                }
            }
        }
        XCTAssertGreaterThan(offered, 100, "the premise: hints were offered and tried")
    }

    /// Decided: a space between a number and its unit is allowed, in sizes and
    /// durations alike, because nodeguard prints them that way ("1.2 GiB",
    /// "1h 30m") and people paste what they see. Documented in nodeguard.toml(5).
    func testASpaceBetweenNumberAndUnitIsAccepted() throws {
        XCTAssertEqual(try Size.parse("150 MiB"), 150 * 1_048_576)
        XCTAssertEqual(try Size.parse("1.2 GiB"), try Size.parse("1.2GiB"))
        XCTAssertEqual(try Share.parse("80 %"), 0.8)
        XCTAssertEqual(try Duration.parse("1h 30m"), 5400)
        XCTAssertEqual(try Duration.parse("1m 10s"), try Duration.parse(Duration.format(70)))
        XCTAssertEqual(try Size.parse(Size.format(1_288_490_189)), 1_288_490_189 / 107_374_182 * 107_374_182 + 0, accuracy: 60_000_000)
        XCTAssertThrowsError(try Size.parse("1 5MiB"), "a space inside the number is no number")
        XCTAssertTrue(ReferenceConfig.manPage(date: "x").contains("A space between the number and the unit is allowed"))
    }
}
