// toml-decoder: nodeguard's TOML reader behind toml-test's decoder interface.
//
//   toml-decoder < file.toml     tagged JSON on stdout, exit 0; or the error
//                                (LINE:COL: message) on stderr, exit 1
//   toml-decoder --batch         frames on stdin ("LENGTH\n" then the bytes);
//                                one line a frame: "ok JSON" or "error L:C message",
//                                for system-tests/toml/fuzz.py
#if canImport(Glibc)
import Glibc
#endif
import TOML

func readAll(_ fd: Int32, count: Int? = nil) -> [UInt8]? {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while count.map({ out.count < $0 }) ?? true {
        let want = min(chunk.count, (count ?? Int.max) - out.count)
        let n = read(fd, &chunk, want)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return count == nil ? out : nil }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

func readLine(_ fd: Int32) -> String? {
    var line: [UInt8] = []
    var b: UInt8 = 0
    while read(fd, &b, 1) == 1 {
        if b == 0x0A { return String(decoding: line, as: UTF8.self) }
        line.append(b)
    }
    return nil
}

func write(_ s: String, to fd: Int32) {
    var bytes = Array(s.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { if errno == EINTR { continue }; exit(3) }
        done += n
    }
}

func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case _ where u.value < 0x20 || u.value == 0x7F:
            let h = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

func tagged(_ v: TOMLValue) -> String {
    func scalar(_ type: String, _ value: String) -> String { "{\"type\":\"\(type)\",\"value\":\(quote(value))}" }
    switch v {
    case .string(let s): return scalar("string", s)
    case .integer(let i): return scalar("integer", String(i))
    case .float(let d): return scalar("float", d.isNaN ? "nan" : String(d))
    case .boolean(let b): return scalar("bool", String(b))
    case .dateTime(let d):
        let type = d.date == nil ? "time-local" : d.time == nil ? "date-local" : d.offsetMinutes == nil ? "datetime-local" : "datetime"
        return scalar(type, d.description)
    case .array(let items): return "[" + items.map { tagged($0.value) }.joined(separator: ",") + "]"
    case .table(let t): return "{" + t.entries.map { quote($0.key) + ":" + tagged($0.node.value) }.joined(separator: ",") + "}"
    }
}

func decode(_ bytes: [UInt8]) -> Result<String, TOMLError> {
    do { return .success(tagged(.table(try TOMLParser.parse(bytes: bytes)))) } catch { return .failure(error) }
}

if CommandLine.arguments.dropFirst().first == "--batch" {
    while let header = readLine(0), let length = Int(header), let frame = readAll(0, count: length) {
        switch decode(frame) {
        case .success(let json): write("ok " + json + "\n", to: 1)
        case .failure(let e): write("error \(e.position): \(Printable.escaped(e.message))\n", to: 1)
        }
    }
} else {
    switch decode(readAll(0) ?? []) {
    case .success(let json): write(json + "\n", to: 1)
    case .failure(let e): write("\(e.position): \(e.message)\n", to: 2); exit(1)
    }
}
