// A hint in an error is a value the key takes: each `such as "X"` that a
// key's reader offers for a wrong value is fed back to the same key.
import XCTest
import TOML
@testable import NodeGuardKit
@testable import NodeGuardCLI

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
        XCTAssertEqual(try TimeSpan.parse("1h 30m"), 5400)
        XCTAssertEqual(try TimeSpan.parse("1m 10s"), try TimeSpan.parse(TimeSpan.format(70)))
        XCTAssertEqual(try Size.parse(Size.format(1_288_490_189)), 1_288_490_189 / 107_374_182 * 107_374_182 + 0, accuracy: 60_000_000)
        XCTAssertThrowsError(try Size.parse("1 5MiB"), "a space inside the number is no number")
        XCTAssertTrue(ReferenceConfig.manPage(date: "x").contains("A space between the number and the unit is allowed"))
    }
}

/// A default that conflicts with a set key, where only this host's RAM can
/// tell (a size against a share): a note at the key that was set, in either
/// order; comparable pairs stay errors, as before.
final class ConfigDefaultConflictTests: XCTestCase {
    let twoGiB: UInt64 = 2 << 30

    func notes(_ text: String, total: UInt64?) -> [String] {
        switch ConfigLoader.decode(text, path: "t.toml", hostMemTotal: total) {
        case .success(let c): return c.notes.map(\.description)
        case .failure(let e): XCTFail("unexpected errors: \(e.lines)"); return []
        }
    }

    func testASetRestartUnderTheDefaultWarningIsNotedAtItsLine() {
        let text = "[node]\nunit = \"dmo.service\"\nrestart_above = \"150MiB\"\n"
        XCTAssertEqual(notes(text, total: twoGiB), [
            "t.toml:3:17: node.warn_above (50% from [memory], 1 GiB of this host's 2 GiB) is not below restart_above (150 MiB): the warning can never come before the restart; set node.warn_above, such as \"120MiB\"",
        ])
        XCTAssertEqual(notes(text, total: nil), [], "elsewhere only the host can tell")
        XCTAssertEqual(notes(text + "warn_above = \"100MiB\"\n", total: twoGiB), [])
        // The hint is a value that ends the note.
        XCTAssertEqual(notes(text + "warn_above = \"120MiB\"\n", total: twoGiB), [])
    }

    func testASetWarningOverTheDefaultRestartIsNotedAtItsLineToo() {
        let text = "[memory]\nwarn_above = \"1.5GiB\"\n"
        XCTAssertEqual(notes(text, total: twoGiB), [
            "t.toml:2:14: memory.warn_above (1.5 GiB) is not below restart_above (60% by default, 1.2 GiB of this host's 2 GiB): the warning can never come before the restart; set memory.warn_above, such as \"983MiB\"",
        ])
        XCTAssertEqual(notes(text, total: 4 * twoGiB), [], "on an 8 GiB host 60% is 4.8 GiB: fine")
        XCTAssertEqual(notes("[node.a]\nunit = \"a\"\nwarn_above = \"90%\"\n[memory]\nrestart_above = \"1GiB\"\n", total: twoGiB).count, 2, "the node's pair, and [memory]'s (its default 50% is 1 GiB)")
    }

    func testComparablePairsAreErrorsInEitherOrder() {
        XCTAssertEqual(errors("[memory]\nrestart_above = \"40%\"\n"),
                       ["t.toml:2:17: memory.warn_above (50%) must be below restart_above (40%)"])
        XCTAssertEqual(errors("[disk]\nwarn_free_below = \"4%\"\n"),
                       ["t.toml:2:19: disk.critical_free_below (5%) must be below warn_free_below (4%)"])
    }
}
