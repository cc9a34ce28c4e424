// The official TOML test suite (toml-test, ../shared/data/toml-test): every
// case its files-toml-1.0.0 lists. Valid cases must decode to exactly the
// expected values, types included; invalid cases must be refused with a position.
import XCTest
import Foundation
import TOML

final class TOMLSuiteTests: XCTestCase {
    static var suite: String {
        if let dir = ProcessInfo.processInfo.environment["TOML_TEST_DIR"] { return dir }
        let here = #filePath
        return String(here[..<here.range(of: "/Tests/")!.lowerBound]) + "/../shared/data/toml-test/tests"
    }

    func cases() throws -> [String] {
        let list = Self.suite + "/files-toml-1.0.0"
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
            XCTFail("the TOML test suite is not at \(list); set TOML_TEST_DIR to its system-tests/ directory")
            return []
        }
        return text.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".toml") }
    }

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.suite + "/" + path)))
    }

    func parsed(_ input: [UInt8]) -> Result<TOMLTable, TOMLError> {
        do { return .success(try TOMLParser.parse(bytes: input)) } catch { return .failure(error) }
    }

    func testEveryValidCaseDecodesToTheExpectedValues() throws {
        let valid = try cases().filter { $0.hasPrefix("valid/") }
        XCTAssertGreaterThan(valid.count, 200)
        var failures: [String] = []
        for path in valid {
            let expected = try JSONSerialization.jsonObject(with: Data(bytes(path.dropLast(5) + ".json")), options: [.fragmentsAllowed])
            switch parsed(try bytes(path)) {
            case .success(let table):
                if let why = TaggedJSON.mismatch(expected, .table(table), at: "") { failures.append("\(path): \(why)") }
            case .failure(let e):
                failures.append("\(path): refused at \(e.position): \(e.message)")
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(valid.count) valid cases")
    }

    func testEveryInvalidCaseIsRefusedWithAPosition() throws {
        let invalid = try cases().filter { $0.hasPrefix("invalid/") }
        XCTAssertGreaterThan(invalid.count, 200)
        var failures: [String] = []
        for path in invalid {
            let input = try bytes(path)
            switch parsed(input) {
            case .success:
                failures.append("\(path): accepted")
            case .failure(let e):
                let lines = input.filter { $0 == 0x0A }.count + 1
                if e.position.line < 1 || e.position.line > lines || e.position.column < 1 {
                    failures.append("\(path): position \(e.position) is outside the file (\(lines) lines)")
                }
                if e.message.isEmpty || e.message.contains("\n") { failures.append("\(path): message not one line: \(e.message)") }
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) of \(invalid.count) invalid cases")
    }
}

/// toml-test's tagged JSON: {"type": "integer", "value": "42"} for a scalar,
/// objects for tables, arrays for arrays.
enum TaggedJSON {
    static func mismatch(_ expected: Any, _ actual: TOMLValue, at path: String) -> String? {
        if let tagged = expected as? [String: Any], let type = tagged["type"] as? String, let value = tagged["value"] as? String {
            return scalarMismatch(type: type, value: value, actual).map { "\(path): \($0)" }
        }
        if let object = expected as? [String: Any] {
            guard case .table(let t) = actual else { return "\(path): expected a table, found \(actual.typeName)" }
            let keys = Set(t.entries.map(\.key))
            guard keys == Set(object.keys), keys.count == t.entries.count else {
                return "\(path): keys \(t.entries.map(\.key).sorted()) != expected \(object.keys.sorted())"
            }
            for e in t.entries {
                if let why = mismatch(object[e.key]!, e.node.value, at: path + "." + e.key) { return why }
            }
            return nil
        }
        if let array = expected as? [Any] {
            guard case .array(let items) = actual else { return "\(path): expected an array, found \(actual.typeName)" }
            guard items.count == array.count else { return "\(path): \(items.count) items, expected \(array.count)" }
            for (i, (e, a)) in zip(array, items).enumerated() {
                if let why = mismatch(e, a.value, at: "\(path)[\(i)]") { return why }
            }
            return nil
        }
        return "\(path): unexpected expectation \(expected)"
    }

    static func scalarMismatch(type: String, value: String, _ actual: TOMLValue) -> String? {
        switch (type, actual) {
        case ("string", .string(let s)): return s == value ? nil : "string \(s.debugDescription) != \(value.debugDescription)"
        case ("integer", .integer(let i)): return Int64(value) == i ? nil : "integer \(i) != \(value)"
        case ("bool", .boolean(let b)): return String(b) == value ? nil : "bool \(b) != \(value)"
        case ("float", .float(let d)): return floatMatches(d, value) ? nil : "float \(d) != \(value)"
        case ("datetime", .dateTime(let d)) where d.date != nil && d.time != nil && d.offsetMinutes != nil,
             ("datetime-local", .dateTime(let d)) where d.date != nil && d.time != nil && d.offsetMinutes == nil,
             ("date-local", .dateTime(let d)) where d.date != nil && d.time == nil,
             ("time-local", .dateTime(let d)) where d.date == nil && d.time != nil:
            return ExpectedDateTime(value) == ExpectedDateTime(d) ? nil : "\(type) \(d) != \(value)"
        default: return "expected \(type) \(value), found \(actual.typeName) \(actual)"
        }
    }

    static func floatMatches(_ d: Double, _ value: String) -> Bool {
        switch value {
        case "nan", "+nan", "-nan": return d.isNaN
        case "inf", "+inf": return d == .infinity
        case "-inf": return d == -.infinity
        default:
            guard let e = Double(value) else { return false }
            return e == d && e.sign == d.sign
        }
    }
}

/// A date-time's fields, read from toml-test's RFC 3339 text by plain
/// splitting (not by the reader under test) or from the reader's value.
struct ExpectedDateTime: Equatable {
    var fields: [Int] = []
    var offset: Int? = nil

    init(_ d: TOMLDateTime) {
        if let x = d.date { fields += [x.year, x.month, x.day] }
        if let t = d.time { fields += [t.hour, t.minute, t.second, t.nanosecond] }
        offset = d.offsetMinutes
    }

    init(_ text: String) {
        var s = Substring(text.uppercased())
        if s.count >= 10, s.dropFirst(4).first == "-" {
            fields += s.prefix(10).split(separator: "-").map { Int($0)! }
            s = s.dropFirst(10).drop { $0 == "T" || $0 == " " }
        }
        guard !s.isEmpty else { return }
        if s.hasSuffix("Z") { offset = 0; s = s.dropLast() }
        else if s.count > 6, let sign = s.dropLast(5).last, sign == "+" || sign == "-" {
            let hm = s.suffix(5).split(separator: ":").map { Int($0)! }
            offset = (sign == "-" ? -1 : 1) * (hm[0] * 60 + hm[1])
            s = s.dropLast(6)
        }
        let parts = s.split(separator: ".", maxSplits: 1)
        fields += parts[0].split(separator: ":").map { Int($0)! }
        let fraction = parts.count > 1 ? String(parts[1].prefix(9)) : ""
        fields.append(Int(fraction.padding(toLength: 9, withPad: "0", startingAt: 0))!)
    }
}

/// The comparison itself must see a wrong value, type, key or date-time.
final class TaggedJSONTests: XCTestCase {
    func testMismatchesAreSeen() throws {
        let doc = try TOMLParser.parse("a = 1\nb = 1.5\nc = \"x\"\nd = 1979-05-27T07:32:00.5-07:00\ne = [true]\n[t]\nf = 07:32:00\n")
        let good: [String: Any] = [
            "a": ["type": "integer", "value": "1"], "b": ["type": "float", "value": "1.5"],
            "c": ["type": "string", "value": "x"], "d": ["type": "datetime", "value": "1979-05-27T07:32:00.500-07:00"],
            "e": [["type": "bool", "value": "true"]], "t": ["f": ["type": "time-local", "value": "07:32:00"]],
        ]
        XCTAssertNil(TaggedJSON.mismatch(good, .table(doc), at: ""))
        let wrong: [(String, Any)] = [
            ("a", ["type": "integer", "value": "2"]), ("a", ["type": "float", "value": "1"]),
            ("b", ["type": "float", "value": "1.25"]), ("c", ["type": "string", "value": "y"]),
            ("d", ["type": "datetime", "value": "1979-05-27T07:32:00.5-08:00"]),
            ("d", ["type": "datetime-local", "value": "1979-05-27T07:32:00.5"]),
            ("e", [["type": "bool", "value": "false"]]), ("e", [] as [Any]),
            ("t", ["f": ["type": "time-local", "value": "07:32:01"]]), ("t", ["g": ["type": "time-local", "value": "07:32:00"]]),
        ]
        for (key, value) in wrong {
            var expected = good
            expected[key] = value
            XCTAssertNotNil(TaggedJSON.mismatch(expected, .table(doc), at: ""), "\(key) = \(value)")
        }
    }
}

/// system-tests/toml/regressions: inputs that once crashed, hung or were misread.
final class TOMLRegressionTests: XCTestCase {
    func testRegressionCases() throws {
        let here = #filePath
        let dir = String(here[..<here.range(of: "/Tests/")!.lowerBound]) + "/system-tests/toml/regressions"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".toml") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 4)
        let expected: [String: String] = [
            "deep-arrays.toml": "nested deeper than 64 levels",
            "deep-inline-tables.toml": "nested deeper than 64 levels",
            "long-dotted-key.toml": "nested deeper than 64 levels",
        ]
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
            let result: Result<TOMLTable, TOMLError>
            do { result = .success(try TOMLParser.parse(bytes: bytes)) } catch { result = .failure(error) }
            switch (result, expected[name]) {
            case (.failure(let e), let fragment?):
                XCTAssertTrue(e.message.contains(fragment), "\(name): \(e.message)")
            case (.success(let doc), nil) where name == "long-one-line-array.toml":
                guard case .array(let paths)? = doc["paths"]?.node.value else { XCTFail(name); continue }
                XCTAssertEqual(paths.count, 2000)
            case (.failure(let e), nil):
                XCTAssertGreaterThanOrEqual(e.position.line, 1, "\(name): refused without a position")
            default:
                XCTFail("\(name): \(result)")
            }
        }
    }
}
